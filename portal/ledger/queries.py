"""Ledger reads: balances and statements (``verification`` holds the tamper check)."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, select
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
    stmt = select(
        LedgerAccount.balance + case((pooled, unsealed), else_=0)
    ).where(LedgerAccount.id == account_id)
    balance = session().scalar(stmt)
    return int(balance or 0)
