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
from sqlalchemy.sql.elements import ColumnElement

from portal.clock import utcnow
from portal.db import Base, BigIntPK

QUANTITY_SCALE = 1000  # quantities are stored as integer thousandths (``quantity_milli``)


class Channel(enum.StrEnum):
    SELF_REPORT = "self_report"
    PARTNER_API = "partner_api"
    PARTNER_CSV = "partner_csv"


class RecordStatus(enum.StrEnum):
    """``pending`` → ``quantified``; or ``flagged`` → (approved) ``pending`` / ``rejected``.

    A citizen's own report becomes ``superseded`` (``superseded_by_id`` names the partner record)
    when a partner record of the same act arrives: the partner record wins. If the report was
    already ``quantified``, its reduction is reversed in the same transaction (points taken back,
    cap usage given back); only when the citizen no longer holds those points does the report
    stay counted and the partner record is stored ``rejected`` with ``already_counted_self_report``.
    """

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
        Index("ix_behavior_records_user_occurred_id", "user_id", "occurred_at", "id"),
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
    # Why it was rejected or how an official decided: a code of portal.activities.reasons and
    # its parameters, translated when shown ("" and {} when there is none).
    review_code: Mapped[str] = mapped_column(String(32), default="")
    review_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    appeal_comment: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("behavior_records.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[Evidence | None] = relationship()


class RecordQueue(Base):
    """The records waiting in a status: ``pending`` ones for the quantify job, which takes them
    person by person (user id, then record id), and ``flagged`` ones for an ecology official.

    Written by triggers on ``behavior_records`` (migration 0007), whoever changes a record: a
    record entering either status is queued, one leaving it is taken out — except ``pending`` →
    ``quantified``, the quantify job's move, which deletes the rows it takes itself (and any row
    whose record it finds no longer pending). No index of ``behavior_records`` names ``status``,
    so that move is an update in place. Keys are copied from the record (no foreign keys, as in
    ``reductions``).
    """

    __tablename__ = "record_queues"
    # SQLite stores the rows in key order (no rowid), the order the job reads and deletes them.
    __table_args__ = ({"sqlite_with_rowid": False},)

    queue: Mapped[str] = mapped_column(String(16), primary_key=True)  # the status waited in
    user_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    methodology_id: Mapped[int] = mapped_column(BigIntPK)


class FactorSnapshot(Base):
    """The formula and factors (values, units, sources, confidence) a reduction was computed
    with, stored once per distinct content — ``sha256`` of its canonical JSON — and shared by
    every reduction computed with them."""

    __tablename__ = "factor_snapshots"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    formula: Mapped[str] = mapped_column(Text)
    factors: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reduction(Base):
    """What a record became: grams CO2e by the methodology version in force at ``occurred_at``.

    Its factor snapshot (``snapshot``: formula and factors) and ``parameters`` make every gram
    explainable after factors change.
    ``gross_grams = net_grams + capped_grams``; points are credited for ``net_grams``.

    Rows are never deleted. A reduction replaced by partner data of the same act gets
    ``reversed_at`` and ``reversed_by_record_id`` (the partner record), a reversing ledger posting
    and its cap usage given back; totals, charts and lists count only rows with ``reversed_at``
    NULL (``Reduction.is_live``).
    """

    __tablename__ = "reductions"
    __table_args__ = (
        CheckConstraint("net_grams >= 0 AND capped_grams >= 0", name="grams_not_negative"),
        Index("ix_reductions_user_occurred_id", "user_id", "occurred_at", "id"),
        # Campaign bonuses read a campaign's records by when they were done (migration 0021).
        Index("ix_reductions_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # No foreign keys on this append-only table: each is a per-row check (about 3.5 µs on
    # PostgreSQL, seven of them were a third of the quantify job's database time), and every
    # row they would point at is append-only too and written or read by the job in the same
    # transaction (migration 0005). ``user_id`` and ``methodology_id`` are copies of the
    # record's, kept for queries by person and methodology.
    record_id: Mapped[int] = mapped_column(BigIntPK, unique=True)
    user_id: Mapped[int] = mapped_column(BigIntPK)
    methodology_id: Mapped[int] = mapped_column(BigIntPK)
    version_id: Mapped[int] = mapped_column(BigIntPK)
    occurred_at: Mapped[datetime]
    gross_grams: Mapped[int] = mapped_column(BigInteger)
    capped_grams: Mapped[int] = mapped_column(BigInteger)
    net_grams: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    capped_by: Mapped[str | None] = mapped_column(String(24))  # e.g. "day:quantity"
    credited_quantity_milli: Mapped[int] = mapped_column(BigInteger)
    is_counted: Mapped[bool] = mapped_column(Boolean)
    is_saleable: Mapped[bool] = mapped_column(Boolean)
    parameters: Mapped[dict[str, str]] = mapped_column(JSON)
    snapshot_id: Mapped[int] = mapped_column(BigIntPK)
    # The ledger transaction that credited this reduction's points (one per quantify batch,
    # one entry per citizen); NULL when the reduction earned no point.
    ledger_transaction_id: Mapped[int | None] = mapped_column(BigIntPK, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed_at: Mapped[datetime | None]
    reversed_by_record_id: Mapped[int | None] = mapped_column(BigIntPK)

    record: Mapped[BehaviorRecord] = relationship(
        primaryjoin="foreign(Reduction.record_id) == BehaviorRecord.id"
    )
    snapshot: Mapped[FactorSnapshot] = relationship(
        primaryjoin="foreign(Reduction.snapshot_id) == FactorSnapshot.id", lazy="joined"
    )

    @property
    def formula(self) -> str:
        return self.snapshot.formula

    @property
    def factor_snapshot(self) -> dict[str, Any]:
        return self.snapshot.factors

    @classmethod
    def is_live(cls) -> ColumnElement[bool]:
        """The SQL condition for reductions that count (not reversed)."""
        return cls.reversed_at.is_(None)


class ReductionTotal(Base):
    """Per person and methodology: net grams, points and number of the live reductions.

    Kept by triggers on ``reductions`` (migration 0011) in the writer's own transaction, so a
    citizen's totals read at most one row per methodology instead of their whole history.
    """

    __tablename__ = "reduction_totals"

    # Keys copied from the reductions (no foreign keys, as in ``reductions``).
    user_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    methodology_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    net_grams: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    reductions: Mapped[int] = mapped_column(BigInteger)


class CapUsage(Base):
    """Per person, methodology and Asia/Shanghai day/month/year: what caps have consumed.

    Derived from the live (not reversed) ``reductions`` but kept so the quantify job can lock and
    read one row per bucket instead of summing history for every record. Updated in place, so the
    table leaves room on each page for HOT updates (fillfactor 70, migration 0006).
    """

    __tablename__ = "cap_usage"

    # Keys copied from the records the job caps (no foreign keys, as in ``reductions``).
    user_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    methodology_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket_start: Mapped[Any] = mapped_column(Date, primary_key=True)
    grams: Mapped[int] = mapped_column(BigInteger, default=0)
    quantity_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
