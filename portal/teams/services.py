"""Team commands, one transaction each, all audited: create a team, rotate its invite, join by
link or code, leave, hand over captaincy, remove a member.

Who may call: any citizen creates a volunteer, community or company team; a school or a class
needs the ``team_captain`` role (staff of a school or NGO organisation, granted by the operator),
and a class also the school's captaincy or membership. Captaincy itself is per team
(``Team.captain_id``), not a role: creating a team grants no role. The captain is a member,
except of the classes of a school they captain. Only the captain rotates, hands over and
removes; a captain leaves only as the last member (which closes the team).

Joining locks the team row (``SELECT … FOR UPDATE``; SQLite lets one writer in at a time), so
concurrent joins never pass the size limit; and the person's row, so their bracket checks see
every other join of theirs. The open-slot unique index refuses what slips past either.

While the team is in a running challenge (``teams.pk``), joining, leaving and removing are
refused: nobody hops teams mid-challenge.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.audit import record_audit
from portal.accounts.models import Role, User
from portal.clock import local_date, utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.teams import invites, rules
from portal.teams.models import Team, TeamInvite, TeamMembership
from portal.teams.pk.queries import running_challenge
from portal.teams.pk.rules import LAST_INSTANT
from portal.teams.queries import (
    get_open_membership,
    may_add_class,
    open_memberships,
    resolve_invite,
)

INSTITUTIONAL = {rules.SCHOOL, rules.CLASS}


def create_team(
    *,
    actor: User,
    name: str,
    kind: str,
    size_limit: object,
    bracket: str | None = None,
    parent_id: int | None = None,
    ip: str | None = None,
) -> Team:
    """Create a team with ``actor`` as captain and first member (not of a class of a school
    they captain), and its first invite. ``bracket`` is the school level for a school; a class
    takes its school's (``parent_id``)."""
    name = rules.team_name(name)
    limit = rules.size_limit(size_limit)
    if kind in INSTITUTIONAL and not actor.has_role(Role.TEAM_CAPTAIN):
        raise NotAllowed(
            _l(
                "Only staff of a school registered on the platform may create a school or "
                "class team."
            )
        )
    with transaction() as db:
        _lock_user(actor.id)
        parent = _parent(actor, parent_id) if kind == rules.CLASS else None
        team = Team(
            name=name,
            kind=kind,
            bracket=rules.bracket_for(kind, bracket, parent.bracket if parent else None),
            parent_id=parent.id if parent else None,
            captain_id=actor.id,
            size_limit=limit,
            created_by_id=actor.id,
        )
        db.add(team)
        db.flush()
        now = utcnow()
        # A school's captain runs its classes without joining them: they are counted in the
        # school already, and a teacher may run several classes (one class slot each person).
        if parent is None or parent.captain_id != actor.id:
            _check_slot(actor, team)
            _open(team, actor, now)
        _new_invite(team, actor, now)
        _audit("team.created", actor, team, ip, kind=kind, bracket=team.bracket)
    return team


def rotate_invite(*, actor: User, team_id: int, ip: str | None = None) -> TeamInvite:
    """Revoke the team's current invite (its link and code stop working) and issue a new one,
    valid for ``invites.INVITE_LIFETIME``. Captain only."""
    with transaction():
        team = _captained(actor, team_id)
        invite = _rotate(team, actor)
        _audit("team.invite_rotated", actor, team, ip)
    return invite


def _rotate(team: Team, actor: User) -> TeamInvite:
    now = utcnow()
    for invite in session().scalars(
        select(TeamInvite).where(TeamInvite.team_id == team.id, TeamInvite.revoked_at.is_(None))
    ):
        invite.revoked_at = now
    return _new_invite(team, actor, now)


def join_team(
    *, actor: User, token: str | None = None, code: str | None = None, ip: str | None = None
) -> TeamMembership:
    """Join the team of an invite link's ``token`` or a typed ``code``: refused (Conflict) for
    an expired or replaced invite, a closed or full team, a team already joined, or a second
    team in the same bracket."""
    with transaction() as db:
        invite = resolve_invite(token=token, code=code)
        team = _locked_team(invite.team_id)
        _lock_user(actor.id)
        if team.closed_at is not None:
            raise Conflict(_l("This team has closed."))
        now = utcnow()
        _check_not_frozen(team, now)
        _check_slot(actor, team)
        members = db.scalar(
            select(func.count())
            .select_from(TeamMembership)
            .where(TeamMembership.team_id == team.id, TeamMembership.left_at.is_(None))
        )
        if (members or 0) >= team.size_limit:
            raise Conflict(_l("This team is full (%(limit)s members).", limit=team.size_limit))
        membership = _open(team, actor, now)
        _audit("team.joined", actor, team, ip, invite_id=invite.id)
    return membership


def leave_team(*, actor: User, team_id: int, ip: str | None = None) -> None:
    """End ``actor``'s membership (its history stays). A captain must hand over first, unless
    they are the last member: the team then closes."""
    with transaction() as db:
        team = _locked_team(team_id)
        membership = get_open_membership(team.id, actor.id)
        if membership is None:
            raise Conflict(_l("You are not a member of this team."))
        now = utcnow()
        _check_not_frozen(team, now)
        if team.captain_id == actor.id:
            others = db.scalar(
                select(func.count())
                .select_from(TeamMembership)
                .where(
                    TeamMembership.team_id == team.id,
                    TeamMembership.left_at.is_(None),
                    TeamMembership.user_id != actor.id,
                )
            )
            open_classes = db.scalar(
                select(func.count())
                .select_from(Team)
                .where(Team.parent_id == team.id, Team.closed_at.is_(None))
            )
            if others or open_classes:
                raise Conflict(_l("Hand the captaincy to another member before you leave."))
            team.closed_at = now
        _close(membership, now, "left")
        _audit("team.left", actor, team, ip, closed=team.closed_at is not None)


def hand_over(*, actor: User, team_id: int, to_user_id: int, ip: str | None = None) -> Team:
    """Make another active member the captain. Captain only."""
    with transaction():
        team = _captained(actor, team_id)
        if to_user_id == actor.id or get_open_membership(team.id, to_user_id) is None:
            raise InvalidInput(_l("Choose another member of the team."), field="user_id")
        team.captain_id = to_user_id
        _audit("team.captain_handed_over", actor, team, ip, to_user_id=to_user_id)
    return team


def remove_member(*, actor: User, team_id: int, user_id: int, ip: str | None = None) -> None:
    """End another member's membership (history stays) and rotate the invite, so the link or
    code they joined with cannot bring them back. Captain only, not on themself."""
    with transaction():
        team = _captained(actor, team_id)
        membership = get_open_membership(team.id, user_id)
        if user_id == actor.id or membership is None:
            raise InvalidInput(_l("Choose another member of the team."), field="user_id")
        _check_not_frozen(team, utcnow())
        _close(membership, utcnow(), "removed")
        _rotate(team, actor)
        _audit("team.member_removed", actor, team, ip, user_id=user_id)


def _locked_team(team_id: int) -> Team:
    team = session().scalar(
        select(Team)
        .where(Team.id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if team is None:
        raise NotFound(_l("No such team."))
    return team


def _lock_user(user_id: int) -> None:
    session().execute(select(User.id).where(User.id == user_id).with_for_update())


def _captained(actor: User, team_id: int) -> Team:
    team = _locked_team(team_id)
    if team.captain_id != actor.id:
        raise NotAllowed(_l("Only the team's captain may do that."))
    if team.closed_at is not None:
        raise Conflict(_l("This team has closed."))
    return team


def _parent(actor: User, parent_id: int | None) -> Team:
    parent = session().get(Team, parent_id) if parent_id is not None else None
    if parent is None or parent.kind != rules.SCHOOL or parent.closed_at is not None:
        raise InvalidInput(_l("A class belongs to a school: choose one."), field="parent_id")
    if not may_add_class(parent, actor):
        raise NotAllowed(_l("Only the school team's captain or members may add a class."))
    return parent


def _check_slot(actor: User, team: Team) -> None:
    """Refuse a second team in the bracket; a school and one of its own classes may be held
    together, a class of another school may not."""
    for membership, held in open_memberships(actor.id, team.bracket):
        if held.id == team.id:
            raise Conflict(_l("You are already a member of this team."))
        if membership.slot == rules.slot_for(team.kind, team.bracket):
            raise Conflict(
                _l(
                    "You are already in the team “%(name)s” in this bracket. Leave it first.",
                    name=held.name,
                )
            )
        if team.id != held.parent_id and team.parent_id != held.id:
            raise Conflict(
                _l("You are in “%(name)s”, of another school. Leave it first.", name=held.name)
            )


def _check_not_frozen(team: Team, now: datetime) -> None:
    """Nobody joins, leaves or is removed while the team (or its school) is in a running
    challenge: the standings count the members it started with."""
    running = running_challenge(team, now)
    if running is not None:
        raise Conflict(
            _l(
                "“%(name)s” is in a team challenge until %(day)s: members can neither join nor "
                "leave until it ends.",
                name=team.name,
                day=local_date(running.ends_at - LAST_INSTANT).isoformat(),
            )
        )


def _open(team: Team, user: User, now: datetime) -> TeamMembership:
    membership = TeamMembership(
        team_id=team.id,
        user_id=user.id,
        slot=rules.slot_for(team.kind, team.bracket),
        joined_at=now,
    )
    refused = Conflict(_l("You are already in a team in this bracket. Leave it first."))
    with unless_taken(refused), session().begin_nested():
        session().add(membership)
    return membership


def _close(membership: TeamMembership, now: datetime, reason: str) -> None:
    membership.left_at = now
    membership.left_reason = reason


def _new_invite(team: Team, actor: User, now: datetime) -> TeamInvite:
    invite = TeamInvite(
        team_id=team.id,
        code=invites.new_code(),
        secret=invites.new_secret(),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + invites.INVITE_LIFETIME,
    )
    session().add(invite)
    session().flush()
    return invite


def _audit(action: str, actor: User, team: Team, ip: str | None, **details: object) -> None:
    record_audit(
        action, actor_id=actor.id, subject_type="team", subject_id=team.id, ip=ip, details=details
    )
