"""Teams: a team made through the service (its captain holding the role a school needs), a
person joined to it, and an interval written directly with chosen times for the credit tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.clock import local_today, utcnow
from portal.db import session
from portal.teams import queries, rules, services
from portal.teams.models import Team, TeamMembership
from portal.teams.pk import rules as pk_rules
from portal.teams.pk import services as pk_services
from portal.teams.pk.models import ChallengeEntry, TeamChallenge
from tests.factories.accounts import make_user, make_user_with_role
from tests.factories.base import next_number


def make_team(
    captain: User | None = None,
    *,
    kind: str = rules.VOLUNTEER,
    parent: Team | None = None,
    **fields: Any,
) -> Team:
    """A team made by ``captain`` (a new team-captain user by default); a class needs ``parent``."""
    if captain is None:
        captain = make_user_with_role(Role.TEAM_CAPTAIN)
    values: dict[str, Any] = {
        "name": f"测试队{next_number()}",
        "size_limit": rules.DEFAULT_SIZE[kind],
        "bracket": "junior" if kind == rules.SCHOOL else None,
    }
    values.update(fields)
    return services.create_team(
        actor=captain, kind=kind, parent_id=parent.id if parent else None, **values
    )


def join(team: Team, user: User | None = None) -> User:
    """``user`` (a new citizen by default) joined by the team's current code."""
    user = user or make_user()
    invite = queries.get_current_invite(team.id)
    assert invite is not None
    services.join_team(actor=user, code=invite.code)
    return user


def add_interval(team: Team, user: User, start: datetime, end: datetime | None) -> TeamMembership:
    """A membership interval ``[start, end)`` written as it is, past or open."""
    row = TeamMembership(
        team_id=team.id,
        user_id=user.id,
        slot=rules.slot_for(team.kind, team.bracket),
        joined_at=start,
        left_at=end,
        left_reason="left" if end else None,
    )
    session().add(row)
    session().flush()
    return row


def make_duel(
    host: Team, rival: Team, *, accept: bool = True, days: int = 7, **terms: Any
) -> TeamChallenge:
    """A duel of ``host`` against ``rival`` from tomorrow for ``days`` Shanghai days, proposed
    by the host's captain and (by default) accepted by the rival's."""
    first = local_today() + timedelta(days=1)
    values: dict[str, Any] = {
        "metric": pk_rules.PER_CAPITA,
        "scenario": None,
        "starts_on": first,
        "ends_on": first + timedelta(days=days - 1),
    }
    values.update(terms)
    captain = session().get(User, host.captain_id)
    assert captain is not None
    challenge = pk_services.propose_duel(
        actor=captain, team_id=host.id, rival_id=rival.id, terms=pk_services.Terms(**values)
    )
    if accept:
        other = session().get(User, rival.captain_id)
        assert other is not None
        pk_services.answer_duel(actor=other, challenge_id=challenge.id, accept=True)
    return challenge


def shift(challenge: TeamChallenge, started_ago: timedelta) -> TeamChallenge:
    """Move a challenge's period, keeping its length, to have started ``started_ago`` (to test
    its phases), and the entered teams' memberships to a month before."""
    length = challenge.ends_at - challenge.starts_at
    challenge.starts_at = utcnow() - started_ago
    challenge.ends_at = challenge.starts_at + length
    entered = select(ChallengeEntry.team_id).where(ChallengeEntry.challenge_id == challenge.id)
    for row in session().scalars(select(TeamMembership).where(TeamMembership.team_id.in_(entered))):
        row.joined_at = min(row.joined_at, challenge.starts_at - timedelta(days=30))
    session().flush()
    return challenge
