"""Ledger tables (DESIGN.md §6).

A transaction's entries sum to zero; rows are only ever inserted. Each account's ``balance`` is
the running sum of its entries, kept in the same database transaction as the entries so it can
be checked with a conditional UPDATE; ``flask ledger verify`` recomputes both and the chain.
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
    USER_POINTS = "user_points"  # a citizen's carbon points; never negative
    ISSUANCE = "issuance"  # points created for verified reductions; runs negative by design


class LedgerAccount(Base):
    # Balances change with every posting: the table leaves room on each page so PostgreSQL can
    # update a balance without touching the indexes (fillfactor 70, migration 0006).
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("kind", "user_id"),
        CheckConstraint("kind = 'issuance' OR balance >= 0", name="balance_not_negative"),
        # NULLs never collide in the constraint above, so the one issuance account needs its own.
        Index(
            "uq_ledger_accounts_system_kind",
            "kind",
            unique=True,
            postgresql_where=text("user_id IS NULL"),
            sqlite_where=text("user_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerTransaction(Base):
    """One balanced posting. ``idempotency_key`` (source:reference) makes retries harmless;
    ``hash = sha256(prev_hash + canonical content)`` chains every transaction in id order."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    memo: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

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
    """A single row holding the newest hash; locking it serialises appends to the chain."""

    __tablename__ = "ledger_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
