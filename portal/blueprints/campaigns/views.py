"""Public campaign pages: anyone sees them; a logged-in citizen also sees their own bonus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.blueprints.campaigns import bp
from portal.blueprints.shared.campaign_labels import campaign_labels
from portal.clock import local_date, utcnow
from portal.gamification.campaigns import queries
from portal.gamification.campaigns.calendar import get_themed_day
from portal.gamification.campaigns.models import Campaign
from portal.gamification.campaigns.rules import Phase
from portal.web.htmx import render

bp.context_processor(campaign_labels)


def time_left(delta: timedelta) -> str:
    """A countdown in days, hours and minutes (rounded up to the minute, so it never says 0
    while time is left)."""
    minutes = -(-int(delta.total_seconds()) // 60)
    days, rest = divmod(max(minutes, 0), 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return str(
            _("%(days)s d %(hours)s h %(minutes)s min", days=days, hours=hours, minutes=minutes)
        )
    return str(_("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes))


@dataclass(frozen=True)
class Countdown:
    """What the campaign page's countdown says now, the moment it counts to, and its wording
    with ``{left}``, ``{d}``, ``{h}``, ``{m}`` holes for the page's script to tick it."""

    text: str
    until: datetime | None = None
    label: str = ""
    long: str = ""
    short: str = ""


def _label(phase: Phase, left: str) -> str:
    if phase is Phase.UPCOMING:
        return str(_("Starts in %(left)s", left=left))
    if phase is Phase.RUNNING:
        return str(_("Ends in %(left)s", left=left))
    return str(_("Ended. Late data still counts for %(left)s", left=left))


def countdown(campaign: Campaign, now: datetime) -> Countdown:
    """The countdown for the campaign's phase at ``now``."""
    phase = campaign.window.phase(now)
    if phase is Phase.ENDED:
        return Countdown(_("Ended"))
    until = {
        Phase.UPCOMING: campaign.starts_at,
        Phase.RUNNING: campaign.ends_at,
        Phase.GRACE: campaign.counts_until,
    }[phase]
    return Countdown(
        _label(phase, time_left(until - now)),
        until,
        _label(phase, "{left}"),
        _("%(days)s d %(hours)s h %(minutes)s min", days="{d}", hours="{h}", minutes="{m}"),
        _("%(hours)s h %(minutes)s min", hours="{h}", minutes="{m}"),
    )


def times(percent: int) -> str:
    """A multiplier as people say it: ×1.5, ×2."""
    return "×" + format(Decimal(percent) / 100, "f").rstrip("0").rstrip(".")


@bp.get("")
def index() -> Response:
    now = utcnow()
    grouped = queries.list_by_phase(now)
    past = grouped[Phase.GRACE] + grouped[Phase.ENDED]
    shown = grouped[Phase.RUNNING] + grouped[Phase.UPCOMING] + past
    return render(
        "campaigns/index.html",
        current=grouped[Phase.RUNNING],
        upcoming=grouped[Phase.UPCOMING],
        past=past,
        now=now,
        standings=queries.get_standings([c.id for c in shown]),
    )


@bp.get("/<int:campaign_id>")
def campaign(campaign_id: int) -> Response:
    item = queries.get_campaign(campaign_id)
    if item is None:
        abort(404)
    now = utcnow()
    scenarios = {s.code: s for s in queries.list_scenarios()}
    day = get_themed_day(item.theme)
    mine = None
    if current_user.is_authenticated:
        mine = queries.get_my_bonus(item.id, current_user.id)
    return render(
        "campaigns/campaign.html",
        campaign=item,
        phase=item.window.phase(now),
        countdown=countdown(item, now),
        standing=queries.get_standings([item.id])[item.id],
        multipliers=[(scenarios.get(m.scenario_code), m) for m in item.multipliers],
        times=times,
        mine=mine,
        day=day,
        occurrence=day.occurrence(local_date(item.starts_at).year) if day else None,
    )
