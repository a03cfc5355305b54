"""Volunteering: an activity of a team made through the service (running now by default), its
code right now, and a window moved to chosen times for the out-of-window tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import session
from portal.gamification.volunteering import rules, services
from portal.gamification.volunteering.models import VolunteerActivity
from portal.teams.models import Team


def make_activity(
    team: Team,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    minutes: int = 120,
    title: str = "净月潭捡拾垃圾",
) -> VolunteerActivity:
    """An activity of ``team`` by its captain, from an hour ago to two hours on by default."""
    captain = session().get(User, team.captain_id)
    assert captain is not None
    now = utcnow()
    return services.create_activity(
        actor=captain,
        team_id=team.id,
        title=title,
        place="净月潭国家森林公园东门",
        description="请带手套和水。",
        starts_at=starts_at or now - timedelta(hours=1),
        ends_at=ends_at or now + timedelta(hours=2),
        minutes=minutes,
    )


def code_now(activity: VolunteerActivity) -> str:
    return rules.checkin_code(activity.secret, utcnow())


def move_window(activity: VolunteerActivity, starts_at: datetime, ends_at: datetime) -> None:
    """Set the activity's window as given (past windows the service would refuse to create)."""
    activity.starts_at, activity.ends_at = starts_at, ends_at
    session().flush()
