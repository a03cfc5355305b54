"""Demo teams: the demo captain's school (长春市第二实验中学, junior high) with two classes, and a
volunteer group, with demo citizens as members, all joined through the services.

Joining happens now, but the demo's records are weeks old; like the sign-up dates
(``portal.demo.accounts``), the teams and memberships are then dated back to when each person
signed up, so the team pages show those weeks. One volunteer left after a week and rejoined a
week later: two intervals, and the week between does not count. Idempotent: a team is found by
its name and kind; a person already in it is not joined again, and dates are set only once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import session, transaction
from portal.demo.accounts import DEMO_LOGINS, EXTRA_CITIZENS, find_user
from portal.teams import queries, services
from portal.teams.models import Team, TeamMembership

CAPTAIN_LOGIN = DEMO_LOGINS[1].login  # 13900000002, 王老师
SCHOOL = "长春市第二实验中学"
CLASSES = ("初二（1）班", "初二（3）班")
VOLUNTEERS = "净月潭绿色志愿队"
# Extra citizens, by index in EXTRA_CITIZENS, in each class and in the volunteer group.
CLASS_MEMBERS = ((0, 1, 2), (3, 4, 5, 6))
VOLUNTEER_MEMBERS = (0, 3, 7, 8)
REJOINED = 7  # left the volunteer group after a week, back a week later
WEEK = timedelta(days=7)


def seed_teams() -> list[Team]:
    """The demo teams (school, its two classes, the volunteer group) and their members."""
    captain = _user(CAPTAIN_LOGIN)
    school = _team(captain, SCHOOL, "school", bracket="junior", size_limit=500)
    classes = [
        _team(captain, name, "class", parent_id=school.id, size_limit=50) for name in CLASSES
    ]
    volunteers = _team(captain, VOLUNTEERS, "volunteer", size_limit=30)
    citizens = [_user(login) for login, _name, _city in EXTRA_CITIZENS]
    for klass, members in zip(classes, CLASS_MEMBERS, strict=True):
        for index in members:
            _join(klass, citizens[index])
    for index in VOLUNTEER_MEMBERS:
        _join(volunteers, citizens[index])
    teams = [school, *classes, volunteers]
    _date_back(teams, rejoined=(volunteers, citizens[REJOINED]))
    return teams


def _user(login: str) -> User:
    user = find_user(login)
    assert user is not None, f"{login}: seed the accounts first"
    return user


def _team(captain: User, name: str, kind: str, **fields: object) -> Team:
    team = session().scalar(select(Team).where(Team.name == name, Team.kind == kind))
    if team is None:
        team = services.create_team(
            actor=captain,
            name=name,
            kind=kind,
            size_limit=fields["size_limit"],
            bracket=fields.get("bracket"),  # type: ignore[arg-type]
            parent_id=fields.get("parent_id"),  # type: ignore[arg-type]
        )
    return team


def _join(team: Team, user: User) -> None:
    if queries.get_open_membership(team.id, user.id) is not None:
        return
    invite = queries.get_current_invite(team.id)
    if invite is None or invite.expires_at <= utcnow():
        captain = session().get(User, team.captain_id)
        assert captain is not None
        invite = services.rotate_invite(actor=captain, team_id=team.id)
    services.join_team(actor=user, code=invite.code)


def _date_back(teams: list[Team], *, rejoined: tuple[Team, User]) -> None:
    """Date each team from its captain's sign-up and each first membership from its member's;
    give the rejoining volunteer their two intervals. Only memberships not dated yet move."""
    with transaction() as db:
        for team in teams:
            captain = db.get(User, team.captain_id)
            assert captain is not None
            team.created_at = min(team.created_at, captain.created_at)
            for membership in db.scalars(
                select(TeamMembership).where(TeamMembership.team_id == team.id)
            ):
                user = db.get(User, membership.user_id)
                assert user is not None
                if membership.joined_at > user.created_at + 2 * WEEK:
                    membership.joined_at = user.created_at
        team, user = rejoined
        rows = db.scalars(
            select(TeamMembership).where(
                TeamMembership.team_id == team.id, TeamMembership.user_id == user.id
            )
        ).all()
        if len(rows) == 1:
            first = rows[0]
            first.left_at, first.left_reason = first.joined_at + WEEK, "left"
            db.flush()  # closed before the second opens: one open membership per slot
            db.add(
                TeamMembership(
                    team_id=team.id,
                    user_id=user.id,
                    slot=first.slot,
                    joined_at=first.joined_at + 2 * WEEK,
                )
            )
