"""Teams: a team made through the service (its captain holding the role a school needs), a
person joined to it, and an interval written directly with chosen times for the credit tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.accounts.models import Role, User
from portal.db import session
from portal.teams import queries, rules, services
from portal.teams.models import Team, TeamMembership
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
