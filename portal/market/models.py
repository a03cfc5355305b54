"""Registry tables (DESIGN.md §7): batches pooled from citizens' saleable reductions, the
contributions each batch holds, the sample an official audits, the serial blocks that tile a
batch's tonnes, listings, orders and retirements.

Quantities are integers: grams below the registry, tonnes (one serial number each) inside it,
money in fen. A batch's serial numbers ``1..total_tonnes`` are tiled by its blocks at all
times: a move of part of a block splits it (the block keeps its first part, a new block with
``split_from_id`` takes the rest), so the union never changes. ``total_tonnes`` counts the
buffer's tonnes too: ``total_tonnes = issued_tonnes + buffer_tonnes``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class BatchStatus(enum.StrEnum):
    PROPOSED = "proposed"  # drafted by the pooling job, contributions attached, sample drawn
    SAMPLED = "sampled"  # an official reviewed every sampled record and the sample passed
    VERIFIED = "verified"  # a second official verified (核证)
    ISSUED = "issued"  # a third official issued (登记): serial blocks exist
    REJECTED = "rejected"  # the sample failed or an official rejected it; nothing issued


class Batch(Base):
    """A pool of one saleable methodology's reductions of one vintage month.

    ``pooled_grams`` = Σ contributions' grams + ``carry_in_grams`` (what the previous batch of
    the same methodology left under a tonne). ``total_tonnes = pooled_grams // 10⁶``,
    ``buffer_tonnes = ceil(total_tonnes × buffer_bp / 10⁴)``, ``issued_tonnes = total_tonnes −
    buffer_tonnes`` and ``carry_out_grams = pooled_grams − total_tonnes × 10⁶`` goes to the next
    batch. Separation of duties: ``sampled_by_id``, ``verified_by_id`` and ``issued_by_id`` are
    three different people (checked by the services and by ``flask registry verify``).
    """

    __tablename__ = "registry_batches"
    __table_args__ = (
        UniqueConstraint("methodology_id", "vintage", "batch_no"),
        CheckConstraint("pooled_grams >= 0 AND carry_in_grams >= 0", name="grams_not_negative"),
        CheckConstraint(
            "total_tonnes = issued_tonnes + buffer_tonnes AND issued_tonnes >= 0 "
            "AND buffer_tonnes >= 0",
            name="tonnes_add_up",
        ),
        CheckConstraint("buffer_bp >= 0 AND buffer_bp <= 10000", name="buffer_share_in_range"),
        Index("ix_registry_batches_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    methodology_id: Mapped[int] = mapped_column(ForeignKey("methodologies.id"), index=True)
    methodology_code: Mapped[str] = mapped_column(String(40))  # as written in serial numbers
    vintage: Mapped[int] = mapped_column(Integer)  # YYYYMM, Asia/Shanghai month of the records
    batch_no: Mapped[int] = mapped_column(Integer)  # 1, 2, … per methodology and vintage
    status: Mapped[str] = mapped_column(String(10), default=BatchStatus.PROPOSED.value)
    contribution_count: Mapped[int] = mapped_column(BigInteger, default=0)
    contributor_count: Mapped[int] = mapped_column(BigInteger, default=0)  # distinct citizens
    contributed_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    carry_in_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    pooled_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    buffer_bp: Mapped[int] = mapped_column(Integer)  # basis points: 500 = 5 %
    total_tonnes: Mapped[int] = mapped_column(BigInteger, default=0)
    buffer_tonnes: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_tonnes: Mapped[int] = mapped_column(BigInteger, default=0)
    carry_out_grams: Mapped[int] = mapped_column(BigInteger, default=0)
    # The sample audit: the seed the sample was drawn with (reproducible), its size and the
    # rule that gave the size (a code, translated when shown).
    sample_seed: Mapped[str] = mapped_column(String(64))
    sample_size: Mapped[int] = mapped_column(Integer, default=0)
    sample_rule: Mapped[str] = mapped_column(String(40))
    sample_failed: Mapped[int] = mapped_column(Integer, default=0)
    rejection_reason: Mapped[str | None] = mapped_column(String(40))  # a code
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sampled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sampled_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None]
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None]

    @property
    def label(self) -> str:
        """``CN-JL-PH-<methodology code>-<vintage>-<batch no>``: a serial block's prefix."""
        return f"CN-JL-PH-{self.methodology_code}-{self.vintage:06d}-{self.batch_no:03d}"


class Contribution(Base):
    """One live saleable reduction pooled into a batch. ``reduction_id`` is unique: a reduction
    is in at most one batch, ever (invariant 6), whatever becomes of that batch."""

    __tablename__ = "registry_contributions"
    __table_args__ = (
        CheckConstraint("grams > 0", name="grams_positive"),
        Index("ix_registry_contributions_batch", "batch_id", "id"),
        Index("ix_registry_contributions_user", "user_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    reduction_id: Mapped[int] = mapped_column(BigIntPK, unique=True)
    record_id: Mapped[int] = mapped_column(BigIntPK)
    user_id: Mapped[int] = mapped_column(BigIntPK)
    grams: Mapped[int] = mapped_column(BigInteger)


class SampleVerdict(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


class SampleItem(Base):
    """A contribution drawn into a batch's audit sample (``position`` in draw order) and what
    the reviewing official found (``reason`` is a code when it failed)."""

    __tablename__ = "registry_sample_items"
    __table_args__ = (UniqueConstraint("batch_id", "position"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    contribution_id: Mapped[int] = mapped_column(ForeignKey("registry_contributions.id"))
    position: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(8), default=SampleVerdict.PENDING.value)
    reason: Mapped[str | None] = mapped_column(String(40))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]


class BlockState(enum.StrEnum):
    AVAILABLE = "available"  # held by the platform (holder_org_id NULL), for sale
    RESERVED = "reserved"  # held by the platform for an unpaid order (order_id)
    HELD = "held"  # held by an organisation (holder_org_id)
    RETIRED = "retired"  # final: retired by retirement_id
    CANCELLED = "cancelled"  # final: taken out of circulation (e.g. the buffer covering a loss)
    BUFFER = "buffer"  # the batch's buffer pool, never sold


FINAL_STATES = frozenset({BlockState.RETIRED, BlockState.CANCELLED})


class SerialBlock(Base):
    """Serial numbers ``start..end`` (inclusive, 1-based within the batch) in one state with one
    holder. Live blocks of a batch tile ``1..total_tonnes``; moves split blocks, never edit a
    final one (``portal/market/holdings.py`` is the only writer)."""

    __tablename__ = "registry_blocks"
    __table_args__ = (
        CheckConstraint("start_serial >= 1 AND end_serial >= start_serial", name="range_valid"),
        UniqueConstraint("batch_id", "start_serial"),
        Index("ix_registry_blocks_holder", "holder_org_id", "state"),
        Index("ix_registry_blocks_batch_state", "batch_id", "state", "start_serial"),
        Index("ix_registry_blocks_order", "order_id"),
        Index("ix_registry_blocks_retirement", "retirement_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    start_serial: Mapped[int] = mapped_column(BigInteger)
    end_serial: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(10))
    holder_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("registry_orders.id"))
    retirement_id: Mapped[int | None] = mapped_column(ForeignKey("registry_retirements.id"))
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("registry_blocks.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def tonnes(self) -> int:
        return self.end_serial - self.start_serial + 1


class ListingStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Listing(Base):
    """The operator offers a batch's available tonnes at a fixed price per tonne (fen). One
    open listing per batch; an order copies the price, so closing or relisting never changes
    what an order costs."""

    __tablename__ = "registry_listings"
    __table_args__ = (
        CheckConstraint("price_fen_per_tonne > 0", name="price_positive"),
        Index("ix_registry_listings_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"), index=True)
    price_fen_per_tonne: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8), default=ListingStatus.OPEN.value)
    listed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    listed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class OrderStatus(enum.StrEnum):
    RESERVED = "reserved"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Order(Base):
    """An organisation's order for tonnes of a listing: a reservation (blocks in state
    ``reserved`` with this ``order_id``) until ``expires_at``; consumed exactly once by payment
    (blocks move to the buyer, ``held``) or released exactly once by cancellation or expiry
    (blocks back to ``available``). ``idempotency_key`` makes a replayed form order once."""

    __tablename__ = "registry_orders"
    __table_args__ = (
        CheckConstraint("tonnes > 0", name="tonnes_positive"),
        CheckConstraint("amount_fen = tonnes * price_fen_per_tonne", name="amount_adds_up"),
        Index("ix_registry_orders_buyer", "buyer_org_id", "id"),
        Index("ix_registry_orders_status_expiry", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("registry_listings.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("registry_batches.id"))
    buyer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    ordered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    tonnes: Mapped[int] = mapped_column(BigInteger)
    price_fen_per_tonne: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=OrderStatus.RESERVED.value)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    payment_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    paid_at: Mapped[datetime | None]
    payment_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None]  # cancelled or expired
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RetirementPurpose(enum.StrEnum):
    OPERATIONS = "operations"  # an organisation's operations of one year
    EVENT = "event"  # an event's carbon neutrality (大型活动碳中和)
    COMPENSATION = "compensation"  # a 以碳代偿 court case
    VOLUNTARY = "voluntary"


class Retirement(Base):
    """Tonnes a holder retired (注销) for one closed purpose, naming the beneficiary. Final: its
    blocks are ``retired`` with this ``retirement_id`` and their tonnes sum to ``tonnes``.
    ``event_id`` and ``case_id`` name the event or court case the purpose refers to (their
    tables belong to ``portal/market/events`` and ``portal/market/cases``). ``code`` is the
    public, unguessable identifier of the retirement page."""

    __tablename__ = "registry_retirements"
    __table_args__ = (
        CheckConstraint("tonnes > 0", name="tonnes_positive"),
        Index("ix_registry_retirements_holder", "holder_org_id", "id"),
        Index("ix_registry_retirements_event", "event_id"),
        Index("ix_registry_retirements_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    holder_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    retired_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    tonnes: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(12))
    purpose_year: Mapped[int | None] = mapped_column(Integer)  # operations: the year offset
    event_id: Mapped[int | None] = mapped_column(BigIntPK)
    case_id: Mapped[int | None] = mapped_column(BigIntPK)
    beneficiary_zh: Mapped[str] = mapped_column(String(160))
    beneficiary_en: Mapped[str] = mapped_column(String(200))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)
