"""A notification (a kind of ``portal.notifications.kinds`` and its parameters) in the reader's
language, with the page it links to: rendered when read, never stored as text, so a reader
sees their language now whichever they used when the event happened.

A feature that adds a kind adds its texts to ``TEXTS`` (and, if it has one, its page to
``PAGES``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _

from portal.blueprints.shared.badge_texts import badge_name, tier_name
from portal.blueprints.shared.report_texts import monthly_report_texts
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.web.i18n import localized


class Params:
    """A notification's parameters as the reader should see them: ``text(name)`` takes
    ``name_zh`` / ``name_en`` in the reader's language where the plain name is missing;
    ``number`` is a whole number (0 if it is not one), ``formatted`` the same written
    locale-wise, ``day`` an ISO date written locale-wise. A missing parameter reads as
    nothing."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.raw = dict(params)

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        return localized(self.raw, name) if value is None else str(value)

    def number(self, name: str) -> int:
        value = self.raw.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def formatted(self, name: str) -> str:
        return str(format_decimal(self.number(name)))

    def day(self, name: str) -> str:
        try:
            return str(format_date(date.fromisoformat(str(self.raw.get(name))), "medium"))
        except ValueError:
            return ""


Texts = Callable[[Params], tuple[str, str]]  # parameters -> (title, body)


def _voucher_issued(p: Params) -> tuple[str, str]:
    return _("Voucher issued"), ngettext(
        "You redeemed %(points)s point for “%(offer)s”. Voucher code: %(code)s.",
        "You redeemed %(points)s points for “%(offer)s”. Voucher code: %(code)s.",
        p.number("points"),
        points=p.formatted("points"),
        offer=p.text("offer_title"),
        code=p.text("voucher_code"),
    )


def _voucher_checked(p: Params) -> tuple[str, str]:
    return _("Voucher used"), _(
        "Your voucher for “%(offer)s” was checked at %(merchant)s.",
        offer=p.text("offer_title"),
        merchant=p.text("merchant"),
    )


def _points_expiring(p: Params) -> tuple[str, str]:
    return _("Points expiring soon"), ngettext(
        "%(points)s point expires on %(day)s. Redeem or donate it before then.",
        "%(points)s points expire on %(day)s. Redeem or donate them before then.",
        p.number("points"),
        points=p.formatted("points"),
        day=p.day("expires_on"),
    )


def _merchant_application_decided(p: Params) -> tuple[str, str]:
    note = p.text("note")
    if p.raw.get("is_approved") is True:
        title = _("Merchant application approved")
        body = _(
            "%(merchant)s may now publish offers in the points mall.", merchant=p.text("merchant")
        )
    else:
        title = _("Merchant application not approved")
        body = _("The application of %(merchant)s was not approved.", merchant=p.text("merchant"))
    return title, _("%(body)s Reason: %(note)s", body=body, note=note) if note else body


def _record_approved(p: Params) -> tuple[str, str]:
    return _("Record approved on review"), _(
        "Your record of %(behaviour)s on %(day)s was approved and will be counted.",
        behaviour=p.text("methodology_title"),
        day=p.day("occurred_on"),
    )


def _record_rejected(p: Params) -> tuple[str, str]:
    return _("Record not counted"), _(
        "Your record of %(behaviour)s on %(day)s was not counted. Reason: %(note)s",
        behaviour=p.text("methodology_title"),
        day=p.day("occurred_on"),
        note=p.text("note"),
    )


def _badge_awarded(p: Params) -> tuple[str, str]:
    return _("New badge: %(badge)s", badge=badge_name(p.text("badge"))), _(
        "You earned the %(tier)s tier of the “%(badge)s” badge. See it on your badge wall.",
        tier=tier_name(p.text("tier")),
        badge=badge_name(p.text("badge")),
    )


def _challenge_proposed(p: Params) -> tuple[str, str]:
    return _("Your team is challenged"), _(
        "“%(team)s” challenges “%(rival)s” from %(first)s to %(last)s. Accept or decline "
        "before it starts.",
        team=p.text("team"),
        rival=p.text("rival"),
        first=p.day("starts_on"),
        last=p.day("ends_on"),
    )


def _challenge_answered(p: Params) -> tuple[str, str]:
    names = {"team": p.text("team"), "rival": p.text("rival")}
    if p.raw.get("is_accepted") is True:
        return _("Challenge accepted"), _(
            "“%(rival)s” accepted the challenge of “%(team)s”: it starts on %(first)s.",
            first=p.day("starts_on"),
            **names,
        )
    return _("Challenge declined"), _("“%(rival)s” declined the challenge of “%(team)s”.", **names)


def _challenge_finished(p: Params) -> tuple[str, str]:
    if p.raw.get("is_winner") is True:
        return _("Your team won the challenge"), _(
            "“%(team)s” came first of %(teams)s teams. Your champion badge and certificate "
            "are on your account.",
            team=p.text("team"),
            teams=p.formatted("teams"),
        )
    return _("Team challenge finished"), _(
        "“%(team)s” placed %(rank)s of %(teams)s teams. See the final standings.",
        team=p.text("team"),
        rank=p.formatted("rank"),
        teams=p.formatted("teams"),
    )


def _guardian_consented(p: Params) -> tuple[str, str]:
    return _("Your guardian agreed"), _(
        "Your guardian's consent is recorded: you may now redeem and donate your points."
    )


def _guardian_consent_ended(p: Params) -> tuple[str, str]:
    if p.text("reason") == "guardian_account_deleted":
        why = _("Your guardian deleted their account, so their consent has ended.")
    else:
        why = _("Your guardian withdrew their consent.")
    return _("Guardian consent ended"), _(
        "%(why)s Until a guardian agrees again you cannot redeem or donate points.", why=why
    )


def _case_overdue(p: Params) -> tuple[str, str]:
    return _("Case overdue"), _(
        "Case %(number)s passed its deadline of %(day)s before %(tonnes)s t were retired.",
        number=p.text("case_number"),
        day=p.day("deadline_on"),
        tonnes=p.formatted("required_tonnes"),
    )


def _case_fulfilled(p: Params) -> tuple[str, str]:
    return _("Case fulfilled"), _(
        "The %(tonnes)s t ordered in case %(number)s have been retired.",
        number=p.text("case_number"),
        tonnes=p.formatted("required_tonnes"),
    )


def _order_paid(p: Params) -> tuple[str, str]:
    return _("Payment received"), ngettext(
        "Order %(order)s is paid: %(tonnes)s tonne is now held by your organisation.",
        "Order %(order)s is paid: %(tonnes)s tonnes are now held by your organisation.",
        p.number("tonnes"),
        order=p.number("order_id"),
        tonnes=p.formatted("tonnes"),
    )


def _order_expired(p: Params) -> tuple[str, str]:
    return _("Order expired"), _(
        "Order %(order)s was not paid in time: its tonnes were released. Order again if you "
        "still need them.",
        order=p.number("order_id"),
    )


TEXTS: dict[str, Texts] = {
    kinds.VOUCHER_ISSUED: _voucher_issued,
    kinds.VOUCHER_CHECKED: _voucher_checked,
    kinds.POINTS_EXPIRING: _points_expiring,
    kinds.MERCHANT_APPLICATION_DECIDED: _merchant_application_decided,
    kinds.RECORD_APPROVED: _record_approved,
    kinds.RECORD_REJECTED: _record_rejected,
    kinds.BADGE_AWARDED: _badge_awarded,
    kinds.GUARDIAN_CONSENTED: _guardian_consented,
    kinds.GUARDIAN_CONSENT_ENDED: _guardian_consent_ended,
    kinds.MONTHLY_REPORT: lambda p: monthly_report_texts(p.raw),
    kinds.CHALLENGE_PROPOSED: _challenge_proposed,
    kinds.CHALLENGE_ANSWERED: _challenge_answered,
    kinds.CHALLENGE_FINISHED: _challenge_finished,
    kinds.CASE_OVERDUE: _case_overdue,
    kinds.CASE_FULFILLED: _case_fulfilled,
    kinds.ORDER_PAID: _order_paid,
    kinds.ORDER_EXPIRED: _order_expired,
}

# The page a kind links to when its notification was posted without a link of its own.
PAGES: dict[str, Callable[[Params], str]] = {
    kinds.RECORD_APPROVED: lambda p: url_for("citizen.records"),
    kinds.RECORD_REJECTED: lambda p: url_for("citizen.records"),
    kinds.POINTS_EXPIRING: lambda p: url_for("citizen.account"),
    kinds.BADGE_AWARDED: lambda p: url_for("citizen.badges"),
    kinds.GUARDIAN_CONSENTED: lambda p: url_for("citizen.guardian_page"),
    kinds.GUARDIAN_CONSENT_ENDED: lambda p: url_for("citizen.guardian_page"),
    kinds.MONTHLY_REPORT: lambda p: url_for("citizen.account"),
    kinds.ORDER_PAID: lambda p: url_for("buyer.holdings"),
    kinds.ORDER_EXPIRED: lambda p: url_for("buyer.orders"),
}


@dataclass(frozen=True)
class ShownNotification:
    """A notification as the inbox shows it: title, body, where it links (None: nowhere)."""

    id: int
    title: str
    body: str
    href: str | None
    created_at: datetime
    is_read: bool


def show_notification(notification: Notification) -> ShownNotification:
    """``notification`` in the reader's language. A kind without texts (posted by a newer
    version of the portal, say) still shows, as a plain "Notification"."""
    params = Params(notification.params or {})
    texts = TEXTS.get(notification.kind)
    title, body = texts(params) if texts else (_("Notification"), "")
    page = PAGES.get(notification.kind)
    return ShownNotification(
        id=notification.id,
        title=title,
        body=body,
        href=notification.link or (page(params) if page else None),
        created_at=notification.created_at,
        is_read=notification.read_at is not None,
    )
