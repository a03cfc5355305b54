"""Reads for accounts, organisations and the audit log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select

from portal.accounts.identity import Identifier
from portal.accounts.models import AuditEvent, Membership, Organisation, User
from portal.db import session
from portal.pagination import paginate


def get_user_by_identifier(identifier: Identifier) -> User | None:
    """The account with this normalised mobile number or email, if any."""
    column = User.phone if identifier.phone else User.email
    return session().scalar(select(User).where(column == identifier.value))


def get_user(user_id: int) -> User | None:
    return session().get(User, user_id)


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


def get_display_names(user_ids: Iterable[int]) -> dict[int, str]:
    """Display names of these users, by id."""
    rows = session().execute(select(User.id, User.display_name).where(User.id.in_(list(user_ids))))
    return {user_id: name for user_id, name in rows}


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


def list_personal_data_reads(user_id: int, page: int = 1) -> Pagination:
    """Officials' and banks' reads of this citizen's personal data, newest first (DESIGN §8)."""
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.action == "personal_data.read",
            AuditEvent.subject_type == "user",
            AuditEvent.subject_id == str(user_id),
        )
        .order_by(AuditEvent.id.desc())
    )
    return paginate(stmt, page)
