"""Demo volunteering: the volunteer group's clean-up at 净月潭 last Saturday, which three of its
members checked in to (so they hold the volunteer badge and hours), and a tree-planting day
running from the seed for three days, whose check-in code the captain can show and members try.

Check-ins go through the service with the code of the moment, so the past activity is made
running now and then dated back to last Saturday with its check-ins. Idempotent: an activity is
found by its team and title; a member already checked in is not checked in again."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import SHANGHAI, local_today, utcnow
from portal.db import session, transaction
from portal.demo.accounts import EXTRA_CITIZENS, find_user
from portal.demo.teams import VOLUNTEERS
from portal.gamification.volunteering import queries, rules, services
from portal.gamification.volunteering.models import VolunteerActivity, VolunteerCheckin
from portal.teams.models import Team

CLEAN_UP = "净月潭湖岸垃圾清捡"
TREES = "南湖公园义务植树"
CHECKED_IN = (0, 3, 8)  # by index in EXTRA_CITIZENS: volunteers of the group


def seed_volunteering() -> list[VolunteerActivity]:
    team = session().scalar(select(Team).where(Team.name == VOLUNTEERS, Team.kind == "volunteer"))
    assert team is not None, "seed the teams first"
    captain = session().get(User, team.captain_id)
    assert captain is not None
    now = utcnow()
    clean_up = _activity(
        team,
        captain,
        CLEAN_UP,
        place="净月潭国家森林公园东门集合",
        description="沿湖岸步道清捡垃圾，分类装袋。请穿运动鞋，带手套和水杯；垃圾袋由志愿队准备。",
        window=(now - timedelta(minutes=30), now + timedelta(hours=3)),
        minutes=180,
    )
    members = [find_user(EXTRA_CITIZENS[i][0]) for i in CHECKED_IN]
    for member in members:
        assert member is not None
        if queries.get_checkin(clean_up.id, member.id) is None and clean_up.ends_at > utcnow():
            code = rules.checkin_code(clean_up.secret, utcnow())
            services.check_in(actor=member, activity_id=clean_up.id, code=code)
    _date_back(clean_up)
    trees = _activity(
        team,
        captain,
        TREES,
        place="南湖公园北门",
        description="和园林工人一起栽种樱花树苗。工具由公园提供。",
        window=(now, now + timedelta(days=3)),
        minutes=120,
    )
    return [clean_up, trees]


def _activity(
    team: Team,
    captain: User,
    title: str,
    *,
    place: str,
    description: str,
    window: tuple[datetime, datetime],
    minutes: int,
) -> VolunteerActivity:
    found = session().scalar(
        select(VolunteerActivity).where(
            VolunteerActivity.team_id == team.id, VolunteerActivity.title == title
        )
    )
    if found is not None:
        return found
    return services.create_activity(
        actor=captain,
        team_id=team.id,
        title=title,
        place=place,
        description=description,
        starts_at=window[0],
        ends_at=window[1],
        minutes=minutes,
    )


def _date_back(activity: VolunteerActivity) -> None:
    """Move the clean-up to last Saturday 9:00–12:00 (Beijing time), its check-ins with it."""
    today = local_today()
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    start = datetime.combine(saturday, time(9), tzinfo=SHANGHAI).astimezone(UTC)
    if activity.starts_at == start:
        return
    with transaction() as db:
        activity.starts_at, activity.ends_at = start, start + timedelta(hours=3)
        checkins = db.scalars(
            select(VolunteerCheckin).where(VolunteerCheckin.activity_id == activity.id)
        )
        for n, checkin in enumerate(checkins):
            checkin.checked_in_at = start + timedelta(minutes=5 + 3 * n)
