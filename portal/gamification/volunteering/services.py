"""Volunteering commands, one transaction each, audited: a captain creates an activity, a member
checks in to it with the current code. A check-in awards the volunteer badge tiers now reached
(``award_due_badges``, in the same transaction) and credits volunteer minutes, never points.

Who may call: ``create_activity`` the team's captain (of an open team); ``check_in`` an open
member of the team, during the activity, with the code of the current or previous step. Refused
with nothing written: a forged or expired code (InvalidInput on ``code``), outside the window
(Conflict), a second check-in (Conflict, also when two race: the unique key decides), not a
member (NotAllowed)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.gamification.services import award_due_badges
from portal.gamification.volunteering import rules
from portal.gamification.volunteering.models import VolunteerActivity, VolunteerCheckin
from portal.gamification.volunteering.queries import get_checkin
from portal.teams.queries import get_open_membership, get_team

ALREADY = _l("You have already checked in to this activity.")


def create_activity(
    *,
    actor: User,
    team_id: int,
    title: str,
    place: str,
    description: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    minutes: object,
    ip: str | None = None,
) -> VolunteerActivity:
    """Create an activity of ``team_id`` with a fresh code secret. ``starts_at`` and
    ``ends_at`` are aware; ``minutes`` the whole minutes credited per check-in."""
    with transaction() as db:
        team = get_team(team_id)
        if team is None:
            raise NotFound(_l("No such team."))
        if team.captain_id != actor.id:
            raise NotAllowed(_l("Only the team's captain may do that."))
        if team.closed_at is not None:
            raise Conflict(_l("This team has closed."))
        fields = rules.check_fields(
            title=title,
            place=place,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            minutes=minutes,
            now=utcnow(),
        )
        activity = VolunteerActivity(
            team_id=team.id,
            title=fields.title,
            place=fields.place,
            description=fields.description,
            starts_at=fields.starts_at,
            ends_at=fields.ends_at,
            credited_minutes=fields.credited_minutes,
            secret=rules.new_secret(),
            created_by_id=actor.id,
        )
        db.add(activity)
        db.flush()
        _audit("volunteer.activity_created", actor, activity, ip, team_id=team.id)
    return activity


def check_in(
    *, actor: User, activity_id: int, code: str, ip: str | None = None
) -> tuple[VolunteerCheckin, list[tuple[int, str, str]]]:
    """Check ``actor`` in to the activity; returns the check-in and the badge awards written
    now (user id, badge key, level)."""
    with transaction() as db:
        activity = db.get(VolunteerActivity, activity_id)
        if activity is None:
            raise NotFound(_l("There is no such activity."))
        if get_open_membership(activity.team_id, actor.id) is None:
            raise NotAllowed(_l("Only members of the team can check in to its activities."))
        if get_checkin(activity.id, actor.id) is not None:
            raise Conflict(ALREADY)
        now = utcnow()
        if now < activity.starts_at:
            raise Conflict(_l("Check-in opens when the activity starts."))
        if now >= activity.ends_at:
            raise Conflict(_l("This activity has ended: check-in is closed."))
        if not rules.code_matches(activity.secret, code, now):
            raise InvalidInput(
                _l("This code is wrong or has expired. Type the code shown now."), field="code"
            )
        checkin = VolunteerCheckin(
            activity_id=activity.id,
            user_id=actor.id,
            checked_in_at=now,
            credited_minutes=activity.credited_minutes,
        )
        with unless_taken(Conflict(ALREADY)), session().begin_nested():
            db.add(checkin)
        awards = award_due_badges([actor.id])
        _audit("volunteer.checked_in", actor, activity, ip, minutes=activity.credited_minutes)
    return checkin, awards


def _audit(
    action: str, actor: User, activity: VolunteerActivity, ip: str | None, **details: object
) -> None:
    record_audit(
        action,
        actor_id=actor.id,
        subject_type="volunteer_activity",
        subject_id=activity.id,
        ip=ip,
        details=details,
    )
