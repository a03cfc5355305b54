"""Account tables: users, organisations, memberships and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class OrgKind(enum.StrEnum):
    REGULATOR = "regulator"
    COURT = "court"
    PROCURATORATE = "procuratorate"
    ENTERPRISE = "enterprise"
    EVENT_ORGANISER = "event_organiser"
    SCHOOL = "school"
    NGO = "ngo"
    MERCHANT = "merchant"
    BANK = "bank"
    PARTNER = "partner"


class MemberRole(enum.StrEnum):
    """A member's standing inside one organisation."""

    MANAGER = "manager"
    STAFF = "staff"


class Role(enum.StrEnum):
    """Audiences a user can act as (DESIGN.md §2); each guards one blueprint."""

    CITIZEN = "citizen"
    TEAM_CAPTAIN = "team_captain"
    MERCHANT = "merchant"
    BUYER = "buyer"
    COURT = "court"
    OFFICIAL = "official"
    BANK = "bank"
    PARTNER = "partner"
    DEVELOPER = "developer"  # drafts and submits methodologies (enterprises, associations)
    ADMIN = "admin"


# Which audiences a membership in an organisation of each kind opens.
ROLES_BY_ORG_KIND: dict[OrgKind, frozenset[Role]] = {
    OrgKind.REGULATOR: frozenset({Role.OFFICIAL}),
    OrgKind.COURT: frozenset({Role.COURT}),
    OrgKind.PROCURATORATE: frozenset({Role.COURT}),
    OrgKind.ENTERPRISE: frozenset({Role.BUYER, Role.DEVELOPER}),
    OrgKind.EVENT_ORGANISER: frozenset({Role.BUYER}),
    OrgKind.SCHOOL: frozenset({Role.TEAM_CAPTAIN}),
    OrgKind.NGO: frozenset({Role.TEAM_CAPTAIN, Role.DEVELOPER}),
    OrgKind.MERCHANT: frozenset({Role.MERCHANT}),
    OrgKind.BANK: frozenset({Role.BANK}),
    OrgKind.PARTNER: frozenset({Role.PARTNER}),
}


DELETED_NAME = _l("Deleted account")  # what others see of a deleted account


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(40))
    city_code: Mapped[str] = mapped_column(String(6))
    district: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str | None] = mapped_column(String(16))
    privacy_notice_version: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[datetime]
    # Bumped on password change; part of get_id(), so older sessions and remember cookies die.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Set when the holder deleted the account (portal.privacy): the row stays, pseudonymous, so
    # its ledger entries and reductions keep their owner; phone, email and names are erased.
    deleted_at: Mapped[datetime | None]
    # Asked at sign-up (migration 0019; older accounts have none): under 14 a guardian must
    # agree before points are spent (``accounts.rules``, ``accounts.guardians``).
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    # Opted in to being named on public lists; never honoured under 14 (``may_be_listed``).
    is_publicly_listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id", lazy="selectin"
    )

    # Flask-Login protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def public_name(self) -> str:
        """The name other people see: the display name, or "Deleted account" in the reader's
        language once the holder deleted the account (its display name is then a pseudonym)."""
        if self.deleted_at is not None:
            return str(DELETED_NAME)
        return self.display_name

    @property
    def login_name(self) -> str:
        return self.phone or self.email or ""

    @property
    def roles(self) -> frozenset[Role]:
        """Every audience this user may act as: citizen always, others through memberships."""
        roles = {Role.CITIZEN}
        for membership in self.memberships:
            roles.update(ROLES_BY_ORG_KIND[OrgKind(membership.organisation.kind)])
        if self.is_admin:
            roles.add(Role.ADMIN)
        return frozenset(roles)

    def has_role(self, role: Role) -> bool:
        return role in self.roles


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    city_code: Mapped[str] = mapped_column(String(6))
    unified_credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=MemberRole.STAFF.value)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship(back_populates="memberships", lazy="joined")


AUDIT_IP_LENGTH = 45  # the longest text form of an IPv6 address (IPv4-mapped)


class AuditEvent(Base):
    """One sensitive action: who did what to which subject, when, and the details."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject", "subject_type", "subject_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(AUDIT_IP_LENGTH))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(lazy="joined")


class GuardianInvitation(Base):
    """A minor's request that a guardian agree, sent as a link holding a random token; only the
    token's SHA-256 is stored. ``contact`` (the guardian's mobile number or email as the minor
    typed it, normalised) is erased (NULL) when either account is deleted."""

    __tablename__ = "guardian_invitations"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    minor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    contact: Mapped[str | None] = mapped_column(String(254))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A newer invitation replaced it, consent was given another way, or the account was deleted.
    cancelled_at: Mapped[datetime | None]


class ConsentEnd(enum.StrEnum):
    """Why a guardian's consent stopped counting (stored as the code)."""

    WITHDRAWN = "withdrawn"
    MINOR_DELETED = "minor_account_deleted"
    GUARDIAN_DELETED = "guardian_account_deleted"


class GuardianConsent(Base):
    """An adult's consent, recorded for one minor under one privacy-notice version; in force
    while ``ended_at`` is NULL, at most one per minor (a partial unique index)."""

    __tablename__ = "guardian_consents"
    __table_args__ = (
        Index(
            "uq_guardian_consents_in_force",
            "minor_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    minor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("guardian_invitations.id"))
    notice_version: Mapped[str] = mapped_column(String(16))
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_code: Mapped[str | None] = mapped_column(String(40))  # a ``ConsentEnd``
