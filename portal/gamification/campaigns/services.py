"""Campaign commands, one transaction each, operator only (NotAllowed otherwise), audited: save
a campaign (create or edit) and fund its budget.

Funding issues points into the campaign's budget account (a debit of the issuance account,
which runs negative by design): the platform reserve holds only forfeited balances, and as a
pooled account its balance lags behind the sealing job, so nothing could promise a debit from
it stays within it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.clock import SHANGHAI, utcnow
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.gamification.campaigns import rules
from portal.gamification.campaigns.calendar import get_themed_day
from portal.gamification.campaigns.models import Campaign, CampaignMultiplier
from portal.gamification.campaigns.queries import list_scenarios
from portal.ledger.models import AccountKind
from portal.ledger.services import Posting, append, issuance_account_id, owned_account_id
from portal.merchants.rules import TERMS_MAX, plain_text

LOCAL: str = "local"  # the theme of a campaign the operator made up, not a themed day
FUND_KIND = "campaign.fund"
# secrets.token_urlsafe(24): 32 URL-safe characters; a shorter or odd token is refused.
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class CampaignFields:
    """What the operator writes: local (Asia/Shanghai) start and end, naive as typed."""

    theme: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    starts_local: datetime
    ends_local: datetime
    grace_hours: int
    cap_points: int
    percents: dict[str, int] = field(default_factory=dict)


def _require_operator(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(_l("Only the operator may manage campaigns."))


def _window(fields: CampaignFields) -> rules.Window:
    start = fields.starts_local.replace(tzinfo=SHANGHAI).astimezone(UTC)
    end = fields.ends_local.replace(tzinfo=SHANGHAI).astimezone(UTC)
    window = rules.Window(start, end, fields.grace_hours)
    rules.check_window(window)
    return window


def _check_overlap(window: rules.Window, campaign_id: int | None) -> None:
    other = session().scalar(
        select(Campaign)
        .where(
            Campaign.starts_at < window.ends_at,
            Campaign.ends_at > window.starts_at,
            Campaign.id != (campaign_id or 0),
        )
        .limit(1)
    )
    if other is not None:
        raise InvalidInput(
            _l(
                "These dates overlap the campaign “%(zh)s / %(en)s”: campaigns may not run at "
                "the same time.",
                zh=other.title_zh,
                en=other.title_en,
            ),
            field="starts_at",
        )


def _apply(campaign: Campaign, fields: CampaignFields, window: rules.Window) -> None:
    if fields.theme != LOCAL and get_themed_day(fields.theme) is None:
        raise InvalidInput(_l("Choose a themed day or a local campaign."), field="theme")
    rules.check_multipliers(fields.percents, frozenset(s.code for s in list_scenarios()))
    campaign.theme = fields.theme
    campaign.title_zh = plain_text(fields.title_zh, "title_zh", 80)
    campaign.title_en = plain_text(fields.title_en, "title_en", 120)
    campaign.description_zh = plain_text(
        fields.description_zh, "description_zh", TERMS_MAX, multiline=True
    )
    campaign.description_en = plain_text(
        fields.description_en, "description_en", 2 * TERMS_MAX, multiline=True
    )
    campaign.cap_points = rules.whole_points(fields.cap_points, "cap_points", rules.MAX_CAP_POINTS)
    campaign.starts_at, campaign.ends_at = window.starts_at, window.ends_at
    campaign.grace_hours, campaign.counts_until = window.grace_hours, window.counts_until
    wanted = dict(fields.percents)
    campaign.multipliers = [m for m in campaign.multipliers if m.scenario_code in wanted]
    for multiplier in campaign.multipliers:
        multiplier.percent = wanted.pop(multiplier.scenario_code)
    campaign.multipliers.extend(
        CampaignMultiplier(scenario_code=code, percent=percent)
        for code, percent in sorted(wanted.items())
    )


def _started_changes(campaign: Campaign, fields: CampaignFields, window: rules.Window) -> bool:
    """Whether an edit touches what bonuses already paid were computed from."""
    return (
        window.starts_at != campaign.starts_at
        or window.ends_at != campaign.ends_at
        or window.grace_hours != campaign.grace_hours
        or fields.cap_points != campaign.cap_points
        or fields.percents != campaign.percents
        or fields.theme != campaign.theme
    )


def save_campaign(
    *,
    actor: User,
    fields: CampaignFields,
    campaign_id: int | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Campaign:
    """Create a campaign (``campaign_id`` None: it must start after ``now``) or edit one (once
    it has started only its texts may change, so every bonus is paid by one set of rules).
    Operator only; audited. InvalidInput names the field at fault: reversed or overlapping
    dates, a multiplier of zero, negative or above 500%, a cap outside 1…100,000 points."""
    _require_operator(actor)
    now = now or utcnow()
    window = _window(fields)
    with transaction() as db:
        if campaign_id is None:
            if window.starts_at <= now:
                raise InvalidInput(
                    _l("A new campaign must start in the future."), field="starts_at"
                )
            campaign = Campaign(created_by_id=actor.id, multipliers=[])
        else:
            campaign = _campaign(campaign_id)
            if campaign.starts_at <= now and _started_changes(campaign, fields, window):
                raise Conflict(
                    _l("The campaign has started: only its titles and descriptions may change.")
                )
        _check_overlap(window, campaign_id)
        _apply(campaign, fields, window)
        db.add(campaign)
        db.flush()
        record_audit(
            "campaign.created" if campaign_id is None else "campaign.edited",
            actor_id=actor.id,
            subject_type="campaign",
            subject_id=campaign.id,
            ip=ip,
            details={
                "theme": campaign.theme,
                "cap_points": campaign.cap_points,
                "percents": campaign.percents,
                "grace_hours": campaign.grace_hours,
            },
        )
    return campaign


def fund_campaign(
    *, actor: User, campaign_id: int, points: object, form_token: str, ip: str | None = None
) -> int | None:
    """Issue ``points`` (whole, 1…100,000,000) into the campaign's budget account, keyed by the
    confirmation form's one-time token, so a replayed POST funds once. Returns the ledger
    transaction id, or None for a replay. Operator only, not after the campaign has ended;
    audited."""
    _require_operator(actor)
    amount = rules.whole_points(points, "points", rules.MAX_FUNDING_POINTS)
    if not isinstance(form_token, str) or not FORM_TOKEN.fullmatch(form_token):
        raise InvalidInput(_l("The form expired. Reload the page and try again."))
    with transaction():
        campaign = _campaign(campaign_id)
        if campaign.window.phase(utcnow()) is rules.Phase.ENDED:
            raise Conflict(_l("The campaign has ended: its budget can no longer grow."))
        budget = owned_account_id(AccountKind.CAMPAIGN, campaign.id)
        (tx_id,) = append(
            [
                Posting(
                    idempotency_key=f"campaign:fund:{form_token}",
                    kind=FUND_KIND,
                    entries=((issuance_account_id(), -amount), (budget, amount)),
                    memo={"campaign_id": campaign.id, "by": actor.id},
                )
            ]
        )
        if tx_id is not None:
            record_audit(
                "campaign.funded",
                actor_id=actor.id,
                subject_type="campaign",
                subject_id=campaign.id,
                ip=ip,
                details={"points": amount, "ledger_transaction_id": tx_id},
            )
    return tx_id


def _campaign(campaign_id: int) -> Campaign:
    campaign = session().get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_l("No such campaign."))
    return campaign
