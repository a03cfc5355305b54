"""Volunteer activities: a captain creates one, a member checks in once with the current (or the
previous) code during it and earns the volunteer badge and hours, never points; a forged code,
outside the window, twice, or not a member is refused with nothing written. Two clients checking
the same member in at once on PostgreSQL write one check-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.clock import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.extensions import db as flask_db
from portal.gamification.models import BadgeAward
from portal.gamification.progress import list_progress
from portal.gamification.volunteering import queries, rules, services
from portal.gamification.volunteering.models import VolunteerActivity, VolunteerCheckin
from portal.ledger.models import LedgerEntry
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.privacy.export import SECTIONS
from portal.teams import services as team_services
from tests import factories
from tests.conftest import needs_postgresql
from tests.races import race_at_insert


def _count(model: Any, *where: Any) -> int:
    return int(
        factories.session().scalar(select(func.count()).select_from(model).where(*where)) or 0
    )


def _setup() -> tuple[VolunteerActivity, User]:
    team = factories.make_team()
    member = factories.join(team)
    return factories.make_activity(team, minutes=90), member


def _message(app: Flask, error: pytest.ExceptionInfo[Any], locale: str) -> str:
    with app.app_context(), force_locale(locale):
        return str(error.value.message)


def test_a_member_checks_in_once_and_earns_the_badge_and_hours_not_points(
    app: Flask, db: Any
) -> None:
    activity, member = _setup()
    checkin, awards = services.check_in(
        actor=member, activity_id=activity.id, code=factories.code_now(activity)
    )
    assert checkin.credited_minutes == 90
    assert awards == [(member.id, "volunteer", "bronze")]
    assert _count(BadgeAward, BadgeAward.user_id == member.id) == 1
    assert (
        _count(
            Notification,
            Notification.user_id == member.id,
            Notification.kind == kinds.BADGE_AWARDED,
        )
        == 1
    )
    assert _count(LedgerEntry) == 0
    assert queries.get_volunteer_minutes(member.id) == 90
    exported = list(dict(SECTIONS)["volunteer_checkins"](member.id))  # the data export
    assert [(e["title"], e["credited_minutes"]) for e in exported] == [(activity.title, 90)]
    assert (
        list_progress([member.id], utcnow().date())[member.id].figures["volunteer_activities"] == 1
    )
    with pytest.raises(Conflict) as again:
        services.check_in(actor=member, activity_id=activity.id, code=factories.code_now(activity))
    assert "已经签到" in _message(app, again, "zh_Hans_CN")
    assert _count(VolunteerCheckin) == 1


def test_the_code_of_the_previous_step_still_works(db: Any) -> None:
    activity, member = _setup()
    previous = rules.checkin_code(activity.secret, utcnow() - rules.STEP)
    services.check_in(actor=member, activity_id=activity.id, code=previous)
    assert queries.get_checkin(activity.id, member.id) is not None


@pytest.mark.parametrize(
    "code",
    ["", "12345", "abcdef", "older"],
)
def test_a_forged_or_expired_code_is_refused_and_writes_nothing(db: Any, code: str) -> None:
    activity, member = _setup()
    if code == "older":
        code = rules.checkin_code(activity.secret, utcnow() - 2 * rules.STEP)
    with pytest.raises(InvalidInput) as refused:
        services.check_in(actor=member, activity_id=activity.id, code=code)
    assert refused.value.field == "code"
    with force_locale("en"):
        assert "wrong or has expired" in str(refused.value.message)
    assert _count(VolunteerCheckin) == 0 and _count(BadgeAward) == 0


@pytest.mark.parametrize(
    ("start", "end", "english"),
    [
        (timedelta(hours=1), timedelta(hours=3), "opens when the activity starts"),
        (timedelta(hours=-3), timedelta(seconds=-1), "has ended"),
    ],
)
def test_checking_in_outside_the_window_is_refused(
    db: Any, start: timedelta, end: timedelta, english: str
) -> None:
    activity, member = _setup()
    now = utcnow()
    factories.move_window(activity, now + start, now + end)
    with pytest.raises(Conflict) as refused:
        services.check_in(actor=member, activity_id=activity.id, code=factories.code_now(activity))
    with force_locale("en"):
        assert english in str(refused.value.message)
    assert _count(VolunteerCheckin) == 0


def test_only_current_members_check_in(app: Flask, db: Any) -> None:
    activity, member = _setup()
    stranger = factories.make_user()
    with pytest.raises(NotAllowed):
        services.check_in(
            actor=stranger, activity_id=activity.id, code=factories.code_now(activity)
        )
    team_services.leave_team(actor=member, team_id=activity.team_id)
    with pytest.raises(NotAllowed) as refused:
        services.check_in(actor=member, activity_id=activity.id, code=factories.code_now(activity))
    assert "成员" in _message(app, refused, "zh_Hans_CN")
    with pytest.raises(NotFound):
        services.check_in(actor=member, activity_id=activity.id + 999, code="123456")
    assert _count(VolunteerCheckin) == 0


def test_only_the_captain_creates_an_activity_and_bad_fields_write_nothing(db: Any) -> None:
    team = factories.make_team()
    member = factories.join(team)
    now = utcnow()
    fields: dict[str, Any] = {
        "title": "植树",
        "place": "南湖公园",
        "description": "",
        "starts_at": now + timedelta(days=1),
        "ends_at": now + timedelta(days=1, hours=2),
        "minutes": 60,
    }
    with pytest.raises(NotAllowed):
        services.create_activity(actor=member, team_id=team.id, **fields)
    captain = factories.session().get(User, team.captain_id)
    assert captain is not None
    with pytest.raises(InvalidInput):
        services.create_activity(actor=captain, team_id=team.id, **{**fields, "minutes": 999})
    assert _count(VolunteerActivity) == 0
    made = services.create_activity(actor=captain, team_id=team.id, **fields)
    assert queries.list_team_activities(team.id) == [made]
    assert queries.count_checkins([made.id]) == {made.id: 0}
    assert len(made.secret) == 32


def test_hours_add_up_over_activities_and_teams(db: Any) -> None:
    member = factories.make_user()
    for kind, minutes in (("volunteer", 30), ("community", 45)):
        team = factories.make_team(kind=kind)
        factories.join(team, member)
        activity = factories.make_activity(team, minutes=minutes)
        services.check_in(actor=member, activity_id=activity.id, code=factories.code_now(activity))
    assert queries.get_volunteer_minutes(member.id) == 75
    assert queries.get_volunteer_minutes(factories.make_user().id) == 0


@needs_postgresql("SQLite lets one writer in at a time")
def test_one_member_checking_in_from_two_clients_at_once_checks_in_once(pg_app: Flask) -> None:
    with pg_app.app_context():
        activity, member = _setup()
        activity_id, member_id = activity.id, member.id
        flask_db.session.commit()

    def check_in(_thread: int) -> Any:
        user = flask_db.session.get(User, member_id)
        activity = flask_db.session.get(VolunteerActivity, activity_id)
        assert user is not None and activity is not None
        return services.check_in(
            actor=user, activity_id=activity_id, code=factories.code_now(activity)
        )

    results = race_at_insert(pg_app, "volunteer_checkins", check_in)
    # Both passed the "already checked in?" check; the unique key let one through.
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1 and len(results) == 2, results
    with pg_app.app_context():
        rows = flask_db.session.scalar(
            select(func.count())
            .select_from(VolunteerCheckin)
            .where(VolunteerCheckin.activity_id == activity_id)
        )
        awards = flask_db.session.scalar(
            select(func.count()).select_from(BadgeAward).where(BadgeAward.user_id == member_id)
        )
        assert rows == 1 and awards == 1
