"""Ledger reads: balances and statements (``verification`` holds the tamper check)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import contains_eager

from portal.db import session
from portal.ledger.models import (
    POOLED_KINDS,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)

PER_PAGE = 25
CREDIT_KIND = "reduction_credit"  # points issued for verified reductions (the quantify job)


def get_balance(user_id: int) -> int:
    """The user's points balance (whole points); 0 when they have no account yet. Any reader."""
    balance = session().scalar(
        select(LedgerAccount.balance).where(
            LedgerAccount.kind == AccountKind.USER_POINTS.value, LedgerAccount.user_id == user_id
        )
    )
    return int(balance or 0)


def list_entries(user_id: int, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """The user's points entries, newest first, each with its transaction loaded
    (``entry.transaction.kind``, ``.memo``, ``.created_at``). Empty when they have no account."""
    from portal.extensions import db

    stmt = (
        select(LedgerEntry)
        .join(LedgerEntry.transaction)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerAccount.kind == AccountKind.USER_POINTS.value, LedgerAccount.user_id == user_id
        )
        .options(contains_eager(LedgerEntry.transaction))
        .order_by(LedgerEntry.id.desc())
    )
    return db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)


def get_points_account_id(user_id: int) -> int | None:
    """The id of the user's points account; None when they have none yet. Any reader."""
    found = session().scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.kind == AccountKind.USER_POINTS.value, LedgerAccount.user_id == user_id
        )
    )
    return int(found) if found is not None else None


@dataclass(frozen=True)
class Line:
    """One entry of a citizen's statement: when it was posted, what (a transaction kind code,
    translated when shown), and the points (+ credit, − debit)."""

    entry_id: int
    at: datetime
    kind: str
    points: int


def _lines(account_id: int) -> Select[int, datetime, str, int]:
    e, t = LedgerEntry, LedgerTransaction
    return (
        select(e.id, t.created_at, t.kind, e.points)
        .join(t, t.id == e.transaction_id)
        .where(e.account_id == account_id)
    )


def list_lines_before(account_id: int, before: int | None, limit: int) -> list[Line]:
    """The account's entries newest first, ``limit`` of them with ids below ``before`` (all
    when None): a keyset page read by the (account_id, id) index, so "load more" costs the
    same at the first page and the thousandth."""
    stmt = _lines(account_id)
    if before is not None:
        stmt = stmt.where(LedgerEntry.id < before)
    rows = session().execute(stmt.order_by(LedgerEntry.id.desc()).limit(limit))
    return [Line(int(i), at, kind, int(points)) for i, at, kind, points in rows]


def get_earned(account_id: int, since: datetime) -> tuple[int, int]:
    """Points credited for reductions to the account (``reduction_credit`` entries): since
    ``since`` and ever, in one pass over the account's entries by index."""
    e, t = LedgerEntry, LedgerTransaction
    recent = case((t.created_at >= since, e.points), else_=0)
    stmt = (
        select(func.coalesce(func.sum(recent), 0), func.coalesce(func.sum(e.points), 0))
        .join(t, t.id == e.transaction_id)
        .where(e.account_id == account_id, t.kind == CREDIT_KIND, e.points > 0)
    )
    this_period, ever = session().execute(stmt).one()
    return int(this_period), int(ever)


def get_balance_before(account_id: int, at: datetime) -> int:
    """The account's balance just before ``at``: the sum of its entries posted earlier."""
    e, t = LedgerEntry, LedgerTransaction
    total = session().scalar(
        select(func.coalesce(func.sum(e.points), 0))
        .join(t, t.id == e.transaction_id)
        .where(e.account_id == account_id, t.created_at < at)
    )
    return int(total or 0)


def iter_lines(account_id: int, start: datetime, end: datetime) -> Iterator[Line]:
    """The account's entries posted in ``[start, end)``, oldest first, read in batches (a
    statement of a busy year never sits in memory whole)."""
    stmt = _lines(account_id).where(
        LedgerTransaction.created_at >= start, LedgerTransaction.created_at < end
    )
    rows = session().execute(stmt.order_by(LedgerEntry.id), execution_options={"yield_per": 500})
    for entry_id, at, kind, points in rows:
        yield Line(int(entry_id), at, kind, int(points))


def iter_entries(account_id: int) -> Iterator[tuple[int, int, datetime, str, int, dict[str, Any]]]:
    """Every entry of the account, oldest first, read in batches: (entry id, transaction id,
    posted at, kind, points, the transaction's memo). For the citizen's data export."""
    e, t = LedgerEntry, LedgerTransaction
    stmt = (
        select(e.id, t.id, t.created_at, t.kind, e.points, t.memo)
        .join(t, t.id == e.transaction_id)
        .where(e.account_id == account_id)
        .order_by(e.id)
    )
    for entry_id, tx_id, at, kind, points, memo in session().execute(
        stmt, execution_options={"yield_per": 1000}
    ):
        yield int(entry_id), int(tx_id), at, kind, int(points), memo


def account_balance(account_id: int) -> int:
    """Any account's balance now: a floored account's stored balance; a pooled account's
    stored (sealed) balance plus its entries not sealed yet, read in one statement (one
    snapshot, so a seal committing meanwhile is counted once)."""
    e, t = LedgerEntry, LedgerTransaction
    unsealed = (
        select(func.coalesce(func.sum(e.points), 0))
        .join(t, t.id == e.transaction_id)
        .where(e.account_id == account_id, t.seq.is_(None))
        .scalar_subquery()
    )
    pooled = LedgerAccount.kind.in_(sorted(POOLED_KINDS))
    stmt = select(LedgerAccount.balance + case((pooled, unsealed), else_=0)).where(
        LedgerAccount.id == account_id
    )
    balance = session().scalar(stmt)
    return int(balance or 0)
