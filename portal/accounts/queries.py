"""Reads for accounts, organisations and the audit log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, and_, any_, bindparam, or_, select
from sqlalchemy.orm import joinedload

from portal.accounts.identity import Identifier
from portal.accounts.models import (
    DELETED_NAME,
    AuditEvent,
    GuardianConsent,
    GuardianInvitation,
    Membership,
    Organisation,
    User,
)
from portal.accounts.rules import is_minor, youngest_not_minor
from portal.clock import local_today
from portal.db import IntArray, session
from portal.pagination import paginate

ANONYMOUS_NAME = _l("Anonymous")  # what a public list shows of someone not listed

_SQLITE_CHUNK = 5_000  # ids per IN (…): well under SQLite's 32,766 bind parameters


def get_user_by_identifier(identifier: Identifier) -> User | None:
    """The account with this normalised mobile number or email, if any."""
    column = User.phone if identifier.phone else User.email
    return session().scalar(select(User).where(column == identifier.value))


def get_user(user_id: int) -> User | None:
    return session().get(User, user_id)


def get_user_with_roles(user_id: int) -> User | None:
    """The user with their memberships and organisations (what ``User.roles`` reads) in one
    query: the logged-in user, loaded on every request, whose roles guard every page."""
    return (
        session()
        .scalars(select(User).options(joinedload(User.memberships)).where(User.id == user_id))
        .unique()
        .first()
    )


def list_users(search: str = "", page: int = 1) -> Pagination:
    """Accounts, newest first, filtered by a fragment of login or display name."""
    stmt = select(User).order_by(User.id.desc())
    if search:
        like = f"%{search.strip()}%"
        stmt = stmt.where(
            or_(User.phone.like(like), User.email.like(like), User.display_name.like(like))
        )
    return paginate(stmt, page)


def list_organisations(kind: str = "", page: int = 1) -> Pagination:
    stmt = select(Organisation).order_by(Organisation.name_zh)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    return paginate(stmt, page)


def get_organisation(organisation_id: int) -> Organisation | None:
    return session().get(Organisation, organisation_id)


def list_organisation_kinds(user_ids: Iterable[int]) -> dict[int, set[tuple[int, str]]]:
    """For each of these users, the (organisation id, organisation kind) pairs they belong to;
    users with no membership are left out. One query, whatever the number of users."""
    kinds: dict[int, set[tuple[int, str]]] = defaultdict(set)
    rows = session().execute(
        select(Membership.user_id, Membership.organisation_id, Organisation.kind)
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id.in_(list(user_ids)))
    )
    for user_id, organisation_id, kind in rows:
        kinds[user_id].add((organisation_id, kind))
    return dict(kinds)


def deleted_user_ids(user_ids: Collection[int]) -> set[int]:
    """Which of ``user_ids`` are deleted accounts: one statement by primary key (the ids as
    one array parameter on PostgreSQL), for the quantify job's people of a batch."""
    if not user_ids:
        return set()
    wanted = sorted(user_ids)
    db = session()
    if db.get_bind().dialect.name == "postgresql":
        match = User.id == any_(bindparam("ids", type_=IntArray()))
        stmt = select(User.id).where(match, User.deleted_at.is_not(None))
        return set(db.scalars(stmt, {"ids": wanted}))
    found: set[int] = set()
    for start in range(0, len(wanted), _SQLITE_CHUNK):
        chunk = wanted[start : start + _SQLITE_CHUNK]
        stmt = select(User.id).where(User.id.in_(chunk), User.deleted_at.is_not(None))
        found.update(db.scalars(stmt))
    return found


def get_display_names(user_ids: Iterable[int]) -> dict[int, str]:
    """Names of these users as others see them, by id (``User.public_name``: "Deleted
    account" in the reader's language for a deleted one)."""
    stmt = select(User.id, User.display_name, User.deleted_at).where(User.id.in_(list(user_ids)))
    return {
        user_id: name if deleted_at is None else str(DELETED_NAME)
        for user_id, name, deleted_at in session().execute(stmt)
    }


def get_organisations(organisation_ids: Iterable[int]) -> dict[int, Organisation]:
    """These organisations, by id, in one query (for pages that name many)."""
    rows = session().scalars(
        select(Organisation).where(Organisation.id.in_(list(organisation_ids)))
    )
    return {org.id: org for org in rows}


def list_members(organisation_id: int) -> list[Membership]:
    stmt = (
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(Membership.role, User.display_name)
    )
    return list(session().scalars(stmt))


def list_audit_events(
    *,
    action: str = "",
    actor: str = "",
    subject_type: str = "",
    subject_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
) -> Pagination:
    """Audit events, newest first. ``action`` matches a prefix (``auth.`` finds every login event);
    ``actor`` matches a fragment of the actor's login or display name."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action.strip()))
    if actor:
        like = f"%{actor.strip()}%"
        stmt = stmt.join(User, AuditEvent.actor_id == User.id).where(
            or_(User.phone.like(like), User.email.like(like), User.display_name.like(like))
        )
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type.strip())
    if subject_id:
        stmt = stmt.where(AuditEvent.subject_id == subject_id.strip())
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    return paginate(stmt, page)


def personal_data_reads(user_id: int) -> Select[AuditEvent]:
    """Officials' and banks' reads of this citizen's personal data, newest first (DESIGN §8):
    the statement, for the page (``list_personal_data_reads``) and the data export."""
    return (
        select(AuditEvent)
        .where(
            AuditEvent.action == "personal_data.read",
            AuditEvent.subject_type == "user",
            AuditEvent.subject_id == str(user_id),
        )
        .order_by(AuditEvent.id.desc())
    )


def list_personal_data_reads(user_id: int, page: int = 1) -> Pagination:
    """One page of ``personal_data_reads``."""
    return paginate(personal_data_reads(user_id), page)


def may_be_listed(user: User) -> bool:
    """Whether ``user`` may be named on a public list (donors, leaderboards, teams): opted in,
    not under 14 (whatever they chose) and not deleted."""
    return (
        user.is_publicly_listed
        and user.deleted_at is None
        and not is_minor(user.birth_year, local_today())
    )


def listable(today: date) -> ColumnElement[bool]:
    """``may_be_listed`` as an SQL condition on ``User``, for public lists built in the
    database (leaderboards)."""
    return and_(
        User.is_publicly_listed.is_(True),
        User.deleted_at.is_(None),
        or_(User.birth_year.is_(None), User.birth_year <= youngest_not_minor(today)),
    )


def get_public_names(user_ids: Iterable[int]) -> dict[int, str]:
    """The names a public list shows, by id, in one query: the alias of those who
    ``may_be_listed``, "Anonymous" in the reader's language for everyone else."""
    wanted = list(user_ids)
    if not wanted:
        return {}
    today = local_today()
    stmt = select(
        User.id, User.display_name, User.is_publicly_listed, User.birth_year, User.deleted_at
    ).where(User.id.in_(wanted))
    anonymous = str(ANONYMOUS_NAME)
    names = {user_id: anonymous for user_id in wanted}
    for user_id, alias, listed, birth_year, deleted_at in session().execute(stmt):
        if listed and deleted_at is None and not is_minor(birth_year, today):
            names[user_id] = alias
    return names


def get_consent_in_force(minor_id: int) -> GuardianConsent | None:
    """The guardian's consent for ``minor_id`` that has not ended, if any (at most one)."""
    return session().scalar(
        select(GuardianConsent).where(
            GuardianConsent.minor_id == minor_id, GuardianConsent.ended_at.is_(None)
        )
    )


def may_spend_points(user_id: int) -> bool:
    """Whether ``user_id`` may redeem or donate points: anyone 14 or over (or with no birth
    year on record), and a minor only while a guardian's consent is in force."""
    user = session().get(User, user_id)
    if user is None or user.deleted_at is not None:
        return False
    if not is_minor(user.birth_year, local_today()):
        return True
    return get_consent_in_force(user_id) is not None


def get_invitation_by_digest(digest: str) -> GuardianInvitation | None:
    return session().scalar(
        select(GuardianInvitation).where(GuardianInvitation.token_sha256 == digest)
    )


def get_pending_invitation(minor_id: int, now: datetime) -> GuardianInvitation | None:
    """The minor's latest invitation still open at ``now`` (neither used, replaced nor expired)."""
    return session().scalar(
        select(GuardianInvitation)
        .where(
            GuardianInvitation.minor_id == minor_id,
            GuardianInvitation.accepted_at.is_(None),
            GuardianInvitation.cancelled_at.is_(None),
            GuardianInvitation.expires_at > now,
        )
        .order_by(GuardianInvitation.id.desc())
        .limit(1)
    )


def list_consents_given(guardian_id: int) -> list[tuple[GuardianConsent, str]]:
    """The consents ``guardian_id`` gave, newest first, each with the minor's alias (the
    guardian knows the child; "Deleted account" once the child deleted theirs)."""
    rows = session().execute(
        select(GuardianConsent, User.display_name, User.deleted_at)
        .join(User, User.id == GuardianConsent.minor_id)
        .where(GuardianConsent.guardian_id == guardian_id)
        .order_by(GuardianConsent.id.desc())
    )
    return [
        (consent, name if deleted_at is None else str(DELETED_NAME))
        for consent, name, deleted_at in rows
    ]


def list_consents_received(minor_id: int) -> list[GuardianConsent]:
    """The consents recorded for ``minor_id``, newest first (the one in force, then the ended)."""
    return list(
        session().scalars(
            select(GuardianConsent)
            .where(GuardianConsent.minor_id == minor_id)
            .order_by(GuardianConsent.id.desc())
        )
    )
