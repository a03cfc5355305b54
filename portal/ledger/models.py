"""Ledger tables (DESIGN.md §6).

A transaction's entries sum to zero; rows are only ever inserted, and a transaction's chain
fields (``seq``, ``prev_hash``, ``hash``) are set once, by the sealing job. A floored account's
``balance`` (a citizen's points, a campaign budget) is the running sum of all its entries, kept
in the writer's transaction by a conditional UPDATE; a pooled account's (issuance, merchants,
public-welfare projects, the reserve, expiry) is the sum of its *sealed* entries, kept by the
sealing job, so that no writer waits on a row every writer touches. ``flask ledger verify``
recomputes both and the chain.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class AccountKind(enum.StrEnum):
    USER_POINTS = "user_points"  # a citizen's carbon points (owner: the user); never negative
    CAMPAIGN = "campaign"  # a campaign's budget of points to award (owner: the campaign)
    ISSUANCE = "issuance"  # points created for verified reductions; runs negative by design
    MERCHANT = "merchant"  # points redeemed at a merchant (owner: its organisation)
    PROJECT = "project"  # points donated to a public-welfare project (owner: the project)
    RESERVE = "reserve"  # the platform's reserve: forfeited balances of deleted accounts
    EXPIRY = "expiry"  # points that expired unused


# Checked on every write: a debit that would take one below zero is refused then and there.
FLOORED_KINDS = frozenset({AccountKind.USER_POINTS.value, AccountKind.CAMPAIGN.value})
# Balances kept by the sealing job (many writers credit them at once). Never negative but the
# issuance account: what leaves one (a refund, a reversal) is what an earlier posting brought.
POOLED_KINDS = frozenset(kind.value for kind in AccountKind if kind.value not in FLOORED_KINDS)
# One account each, without an owner.
SYSTEM_KINDS = frozenset(
    {AccountKind.ISSUANCE.value, AccountKind.RESERVE.value, AccountKind.EXPIRY.value}
)


class LedgerAccount(Base):
    # Balances change with every posting: the table leaves room on each page so PostgreSQL can
    # update a balance without touching the indexes (fillfactor 70, migration 0006).
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("kind", "user_id"),
        CheckConstraint("kind = 'issuance' OR balance >= 0", name="balance_not_negative"),
        # NULLs never collide in the constraint above: owned accounts of other kinds and the
        # system accounts (one each) need their own.
        Index(
            "uq_ledger_accounts_owner",
            "kind",
            "owner_id",
            unique=True,
            postgresql_where=text("owner_id IS NOT NULL"),
            sqlite_where=text("owner_id IS NOT NULL"),
        ),
        Index(
            "uq_ledger_accounts_system_kind",
            "kind",
            unique=True,
            postgresql_where=text("user_id IS NULL AND owner_id IS NULL"),
            sqlite_where=text("user_id IS NULL AND owner_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The owner of a merchant (organisation id), project or campaign account; no foreign key,
    # since the kind says which table it names.
    owner_id: Mapped[int | None] = mapped_column(BigInteger)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerTransaction(Base):
    """One balanced posting. ``idempotency_key`` (source:reference) makes retries harmless.

    Written without its chain fields; the sealing job (``portal.ledger.sealing``) then gives it
    its place in the chain, ``seq``, and ``hash = sha256(prev_hash + canonical content)``, in
    the order transactions became visible (which for transactions committed close together
    need not be id order)."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (
        Index("uq_ledger_transactions_seq", "seq", unique=True),
        # The sealing job's queue: the (few) transactions not chained yet.
        Index(
            "ix_ledger_transactions_unsealed",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    memo: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    entries: Mapped[list[LedgerEntry]] = relationship(
        primaryjoin="foreign(LedgerEntry.transaction_id) == LedgerTransaction.id",
        back_populates="transaction",
    )


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account", "account_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # No foreign keys: a per-row check each (about 3.5 µs on PostgreSQL) on the ledger's busiest
    # table, whose targets are append-only and written in the same transaction; ``flask ledger
    # verify`` reports an entry whose transaction or account is missing (migration 0005).
    transaction_id: Mapped[int] = mapped_column(BigIntPK, index=True)
    account_id: Mapped[int] = mapped_column(BigIntPK)
    points: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[LedgerTransaction] = relationship(
        primaryjoin="foreign(LedgerEntry.transaction_id) == LedgerTransaction.id",
        back_populates="entries",
    )


class LedgerChainHead(Base):
    """A single row holding the last sealed transaction and its hash; the sealing job holds
    its lock while it chains (writers never take it)."""

    __tablename__ = "ledger_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class LedgerCheckpoint(Base):
    """A verified point of the chain: ``verify`` starts here by default instead of at the
    genesis hash. ``seq``/``hash`` name the last transaction covered; ``max_entry_id`` the
    last entry; the balances at that point are in ``ledger_checkpoint_balances``."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    max_entry_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerCheckpointBalance(Base):
    """Each account's sum of entries over the transactions a checkpoint covers (only the
    latest checkpoint's are kept; older checkpoints keep their header)."""

    __tablename__ = "ledger_checkpoint_balances"

    checkpoint_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger)
