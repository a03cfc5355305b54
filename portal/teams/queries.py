"""Team reads: teams, memberships, invites, members by alias and the figures that follow the
membership intervals (``rules.credit_windows``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from portal.accounts.models import Role, User
from portal.accounts.queries import get_display_names
from portal.activities.models import Reduction
from portal.clock import utcnow
from portal.db import session
from portal.errors import Conflict
from portal.methodology.models import Methodology
from portal.teams import invites, rules
from portal.teams.models import Team, TeamInvite, TeamMembership

WINDOWS_PER_QUERY = 500  # three parameters each: well inside SQLite's limit


def get_team(team_id: int) -> Team | None:
    return session().get(Team, team_id)


def get_open_membership(team_id: int, user_id: int) -> TeamMembership | None:
    return session().scalar(
        select(TeamMembership).where(
            TeamMembership.team_id == team_id,
            TeamMembership.user_id == user_id,
            TeamMembership.left_at.is_(None),
        )
    )


def open_memberships(user_id: int, bracket: str) -> list[tuple[TeamMembership, Team]]:
    """The person's open memberships in ``bracket`` (a school's and a class's slot)."""
    rows = session().execute(
        select(TeamMembership, Team)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(
            TeamMembership.user_id == user_id,
            TeamMembership.left_at.is_(None),
            TeamMembership.slot.in_([bracket, rules.slot_for(rules.CLASS, bracket)]),
        )
    )
    return [(m, t) for m, t in rows]


def list_my_teams(user_id: int) -> list[Team]:
    """The open teams the person is in or captains (a school's captain runs its classes
    without joining them), by name."""
    member_of = select(TeamMembership.team_id).where(
        TeamMembership.user_id == user_id, TeamMembership.left_at.is_(None)
    )
    return list(
        session().scalars(
            select(Team)
            .where(
                Team.closed_at.is_(None),
                or_(Team.id.in_(member_of), Team.captain_id == user_id),
            )
            .order_by(Team.parent_id.is_not(None), Team.name)
        )
    )


def list_schools_for(user_id: int) -> list[Team]:
    """Open school teams the person captains or belongs to: where they may add a class."""
    member_of = select(TeamMembership.team_id).where(
        TeamMembership.user_id == user_id, TeamMembership.left_at.is_(None)
    )
    return list(
        session().scalars(
            select(Team)
            .where(
                Team.kind == rules.SCHOOL,
                Team.closed_at.is_(None),
                or_(Team.captain_id == user_id, Team.id.in_(member_of)),
            )
            .order_by(Team.name)
        )
    )


def may_add_class(school: Team, user: User) -> bool:
    """Whether ``user`` may add a class to ``school``: staff (``team_captain``) who captain it
    or belong to it, while it is open."""
    return (
        school.kind == rules.SCHOOL
        and school.closed_at is None
        and user.has_role(Role.TEAM_CAPTAIN)
        and (school.captain_id == user.id or get_open_membership(school.id, user.id) is not None)
    )


def list_classes(school_id: int) -> list[Team]:
    return list(
        session().scalars(
            select(Team)
            .where(Team.parent_id == school_id, Team.closed_at.is_(None))
            .order_by(Team.name)
        )
    )


def count_members(team_ids: list[int]) -> dict[int, int]:
    """Open memberships per team."""
    rows = session().execute(
        select(TeamMembership.team_id, func.count())
        .where(TeamMembership.team_id.in_(team_ids), TeamMembership.left_at.is_(None))
        .group_by(TeamMembership.team_id)
    )
    counts = {team_id: 0 for team_id in team_ids}
    counts.update({team_id: int(n) for team_id, n in rows})
    return counts


@dataclass(frozen=True)
class Member:
    user_id: int
    alias: str
    joined_at: datetime
    is_captain: bool


def list_members(team: Team) -> list[Member]:
    """The team's current members by alias (``display_name``), captain first, then by joining."""
    rows = (
        session()
        .scalars(
            select(TeamMembership)
            .where(TeamMembership.team_id == team.id, TeamMembership.left_at.is_(None))
            .order_by(TeamMembership.joined_at, TeamMembership.id)
        )
        .all()
    )
    names = get_display_names(m.user_id for m in rows)
    members = [
        Member(m.user_id, names[m.user_id], m.joined_at, m.user_id == team.captain_id) for m in rows
    ]
    return sorted(members, key=lambda m: not m.is_captain)


def may_see_members(team: Team, user_id: int | None) -> bool:
    """Members are listed to the team's own members and to its school's captain only."""
    if user_id is None:
        return False
    if get_open_membership(team.id, user_id) is not None:
        return True
    parent = session().get(Team, team.parent_id) if team.parent_id is not None else None
    return parent is not None and parent.captain_id == user_id


def get_current_invite(team_id: int) -> TeamInvite | None:
    return session().scalar(
        select(TeamInvite)
        .where(TeamInvite.team_id == team_id, TeamInvite.revoked_at.is_(None))
        .order_by(TeamInvite.id.desc())
    )


def invite_token(invite: TeamInvite) -> str:
    return invites.sign(invite.id, invite.secret)


def resolve_invite(*, token: str | None = None, code: str | None = None) -> TeamInvite:
    """The live invite of a link's token or a typed code; Conflict saying why it is not one."""
    now = utcnow()
    invite: TeamInvite | None = None
    if token:
        invite_id = invites.claimed_id(token)
        invite = session().get(TeamInvite, invite_id) if invite_id is not None else None
        problem = invites.check(token, invite.secret, invite.id) if invite else "invalid"
        if problem == "invalid":
            raise Conflict(_l("This invite link is not valid. Ask the captain for a new one."))
    elif code is not None:
        normal = invites.normalise_code(code)
        if normal is None:
            raise Conflict(
                _l("A team code has 8 letters and digits, such as K7QM-9XDP."), field="code"
            )
        invite = session().scalar(select(TeamInvite).where(TeamInvite.code == normal))
        if invite is None:
            raise Conflict(_l("No team has this code. Check it, or ask the captain."), field="code")
    if invite is None:
        raise Conflict(_l("Open an invite link or type a team code."))
    if invite.revoked_at is not None:
        raise Conflict(
            _l("This invite was replaced by a newer one. Ask the captain for it."), field="code"
        )
    if invite.expires_at <= now:
        raise Conflict(_l("This invite expired. Ask the captain for a new one."), field="code")
    return invite


def family_intervals(team: Team) -> list[rules.Interval]:
    """Every membership interval of the team and, for a school, of its classes."""
    team_ids = select(Team.id).where(or_(Team.id == team.id, Team.parent_id == team.id))
    rows = session().execute(
        select(TeamMembership.user_id, TeamMembership.joined_at, TeamMembership.left_at).where(
            TeamMembership.team_id.in_(team_ids)
        )
    )
    return [rules.Interval(u, start, end) for u, start, end in rows]


def get_figures(team: Team, since: datetime | None, until: datetime | None = None) -> rules.Figures:
    """Grams credited to the team in ``[since, until)`` (``since`` None: from the start): each
    live reduction of a member that occurred while they were a member (of a school's class too,
    counted once), with the current members and how many of them took part."""
    until = until or utcnow()
    intervals = family_intervals(team)
    members = {i.user_id for i in intervals if i.end is None}
    grams, counted = credited(intervals, since, until)
    return rules.figures(grams, counted, members)


def credited(
    intervals: list[rules.Interval],
    since: datetime | None,
    until: datetime,
    *,
    recorded_before: datetime | None = None,
    scenario: str | None = None,
) -> tuple[dict[int, int], dict[int, int]]:
    """Grams and reduction counts per person of the live reductions credited to ``intervals``
    in ``[since, until)``; only those recorded before ``recorded_before`` and of the
    ``scenario`` code when given (a team challenge's review window and metric)."""
    windows = rules.credit_windows(intervals, since, until)
    grams: defaultdict[int, int] = defaultdict(int)
    counted: defaultdict[int, int] = defaultdict(int)
    filters = [Reduction.is_live()]
    if recorded_before is not None:
        filters.append(Reduction.created_at < recorded_before)
    if scenario is not None:
        filters.append(
            Reduction.methodology_id.in_(
                select(Methodology.id).where(Methodology.scenario_code == scenario)
            )
        )
    for first in range(0, len(windows), WINDOWS_PER_QUERY):
        chunk = windows[first : first + WINDOWS_PER_QUERY]
        inside = or_(
            *(
                and_(
                    Reduction.user_id == w.user_id,
                    Reduction.occurred_at >= w.start,
                    Reduction.occurred_at < w.end,
                )
                for w in chunk
            )
        )
        rows = session().execute(
            select(Reduction.user_id, func.sum(Reduction.net_grams), func.count())
            .where(inside, *filters)
            .group_by(Reduction.user_id)
        )
        for user_id, total, n in rows:
            grams[user_id] += int(total or 0)
            counted[user_id] += int(n)
    return dict(grams), dict(counted)
