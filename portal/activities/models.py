"""Behaviour records and what they become.

Quantities are stored as integer thousandths of the submitted unit (``quantity_milli``): no
floats anywhere, and three decimals are enough for km, kg, kWh and m³.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, BigIntPK, utcnow


class Channel(enum.StrEnum):
    SELF_REPORT = "self_report"
    PARTNER_API = "partner_api"
    PARTNER_CSV = "partner_csv"


class RecordStatus(enum.StrEnum):
    """``pending`` → ``quantified``; or ``flagged`` → (approved) ``pending`` / ``rejected``;
    ``superseded`` when a partner record of the same act arrived (the partner record wins)."""

    PENDING = "pending"
    FLAGGED = "flagged"
    QUANTIFIED = "quantified"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class Partner(Base):
    """A platform that submits records through the signed API (metro, bus, bike, grid, …)."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # The whsec_ signing secret (Standard Webhooks). Shown once at creation.
    signing_secret: Mapped[str] = mapped_column(String(128))
    # Methodology codes this partner may submit records for.
    methodology_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCode(Base):
    """A short code a citizen generates and types into a partner app to link accounts."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountLink(Base):
    """A citizen's account at a partner: the partner refers to them by ``partner_user_ref``."""

    __tablename__ = "account_links"
    __table_args__ = (
        UniqueConstraint("partner_id", "partner_user_ref"),
        UniqueConstraint("partner_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    partner_user_ref: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    unlinked_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship(lazy="joined")


class Evidence(Base):
    """An uploaded photo, stored under instance/uploads by its content hash."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BehaviorRecord(Base):
    __tablename__ = "behavior_records"
    __table_args__ = (
        UniqueConstraint("partner_id", "external_id"),
        CheckConstraint("quantity_milli > 0", name="quantity_positive"),
        Index("ix_behavior_records_status_id", "status", "id"),
        Index("ix_behavior_records_user_occurred", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    methodology_id: Mapped[int] = mapped_column(ForeignKey("methodologies.id"))
    channel: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    external_id: Mapped[str | None] = mapped_column(String(64))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(20))
    # Record parameters (e.g. baseline_kwh, is_ebike) as decimal strings.
    parameters: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]  # trips: when it ended (for speed and overlap checks)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=RecordStatus.PENDING.value)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_reason: Mapped[str] = mapped_column(Text, default="")
    appeal_comment: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("behavior_records.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[Evidence | None] = relationship()


class Reduction(Base):
    """What a record became: grams CO2e by the methodology version in force at ``occurred_at``.

    ``factor_snapshot`` and ``parameters`` make every gram explainable after factors change.
    ``gross_grams = net_grams + capped_grams``; points are credited for ``net_grams``.
    """

    __tablename__ = "reductions"
    __table_args__ = (
        CheckConstraint("net_grams >= 0 AND capped_grams >= 0", name="grams_not_negative"),
        Index("ix_reductions_user_occurred", "user_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("behavior_records.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    methodology_id: Mapped[int] = mapped_column(ForeignKey("methodologies.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("methodology_versions.id"))
    occurred_at: Mapped[datetime]
    gross_grams: Mapped[int] = mapped_column(BigInteger)
    capped_grams: Mapped[int] = mapped_column(BigInteger)
    net_grams: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    capped_by: Mapped[str | None] = mapped_column(String(24))  # e.g. "day:quantity"
    credited_quantity_milli: Mapped[int] = mapped_column(BigInteger)
    is_counted: Mapped[bool] = mapped_column(Boolean)
    is_saleable: Mapped[bool] = mapped_column(Boolean)
    formula: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, str]] = mapped_column(JSON)
    factor_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped[BehaviorRecord] = relationship()


class CapUsage(Base):
    """Per person, methodology and Asia/Shanghai day/month/year: what caps have consumed.

    Derived from ``reductions`` (verify recomputes it) but kept so the quantify job can lock and
    read one row per bucket instead of summing history for every record.
    """

    __tablename__ = "cap_usage"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    methodology_id: Mapped[int] = mapped_column(ForeignKey("methodologies.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket_start: Mapped[Any] = mapped_column(Date, primary_key=True)
    grams: Mapped[int] = mapped_column(BigInteger, default=0)
    quantity_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
