"""The ledger's public face (DESIGN.md §6): balanced, idempotent, hash-chained postings of points.

Only ``portal/ledger/`` writes the ledger tables. A domain that moves points finds the
accounts (``issuance_account_id``, ``ensure_user_accounts``), builds ``Posting``s and calls
``append`` inside *its own* transaction: ``append`` is flush-only and runs in a savepoint, so
the caller's command commits the points with the rest of its work, once. Points are whole
carbon points (integers). Every posting's entries sum to zero, user accounts never go
negative, and each ledger transaction stores ``hash = sha256(prev_hash + canonical content)``
so ``flask ledger verify`` can recompute the chain (``chain``).

Lock order: an append locks the single chain-head row *first* and only then touches account
rows. That one lock serialises writers (PostgreSQL ``SELECT … FOR UPDATE``; SQLite already holds
its writer lock from ``BEGIN IMMEDIATE``), which makes the idempotency check race-free and means
appends can never deadlock each other. Callers must not lock ``ledger_accounts`` rows themselves
before calling ``append`` — that would invert the order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.db import IntArray, bulk_insert, session
from portal.errors import Conflict, NotFound
from portal.ledger.accounts import ensure_user_accounts, in_chunks, issuance_account_id
from portal.ledger.chain import CHAIN_HEAD_ID, canonical_json, chain_hash, lock_chain_head
from portal.ledger.models import (
    AccountKind,
    LedgerAccount,
    LedgerChainHead,
    LedgerEntry,
    LedgerTransaction,
)
from portal.ledger.postings import Posting

__all__ = ["Posting", "append", "ensure_user_accounts", "issuance_account_id"]

# Core tables: the bulk statements below bypass the ORM unit of work on purpose (speed, and
# conditional UPDATEs checked by rowcount, which the ORM's bulk-by-primary-key mode cannot do).
_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_TRANSACTIONS = cast(Table, LedgerTransaction.__table__)
_ENTRIES = cast(Table, LedgerEntry.__table__)
_HEAD = cast(Table, LedgerChainHead.__table__)


def append(postings: Sequence[Posting]) -> list[int | None]:
    """Append postings to the ledger in order; returns each one's transaction id, or None where
    its idempotency key was already posted (so a retried job never credits twice). Flush-only.

    Called by jobs and services inside their own transaction (the quantify job with thousands
    of postings at once: the cost is a fixed handful of statements plus batched inserts and one
    UPDATE per touched account). Invariants kept: every transaction balances; a user account
    never goes negative — checked on each account's *net* change over the call, which is atomic,
    so the order of postings inside one call does not matter; the hash chain extends in id order.

    Raises ValueError for duplicate keys within the call, Conflict when a user account would go
    negative, NotFound for an unknown account. The call runs in a savepoint, so on any error
    nothing of it is written and the caller's transaction remains usable.
    """
    keys = [posting.idempotency_key for posting in postings]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate idempotency keys within one append() call")
    if not postings:
        return []
    db = session()
    with db.begin_nested():
        return _append(db, postings, keys)


def _append(db: Session, postings: Sequence[Posting], keys: list[str]) -> list[int | None]:
    # Lock first, then look for existing keys: a racing append with the same key has committed
    # by the time we hold the lock, so we skip it instead of failing on the unique constraint.
    last_id, last_hash = lock_chain_head(db)
    existing: set[str] = set()
    for chunk in in_chunks(keys):
        existing.update(
            db.scalars(
                select(_TRANSACTIONS.c.idempotency_key).where(
                    _TRANSACTIONS.c.idempotency_key.in_(chunk)
                )
            )
        )
    fresh = [posting for posting in postings if posting.idempotency_key not in existing]
    if not fresh:
        return [None] * len(postings)

    deltas: dict[int, int] = {}
    for posting in fresh:
        for account_id, points in posting.entries:
            deltas[account_id] = deltas.get(account_id, 0) + points
    _apply_deltas(db, deltas)

    rows = _chained_rows(fresh, last_hash)
    ids = [
        int(new_id)
        for new_id in db.scalars(
            insert(_TRANSACTIONS).returning(_TRANSACTIONS.c.id, sort_by_parameter_order=True),
            rows,
        )
    ]
    # The chain is verified in id order, so ids must rise in posting order. They do (sequence /
    # rowid values are handed out in insert order, under the chain-head lock); refuse otherwise.
    floor = last_id or 0
    if any(b <= a for a, b in pairwise([floor, *ids])):
        raise RuntimeError("ledger transaction ids did not rise in posting order")
    bulk_insert(
        _ENTRIES,
        ("transaction_id", "account_id", "points"),
        (
            (tx_id, account_id, points)
            for tx_id, posting in zip(ids, fresh, strict=True)
            for account_id, points in posting.entries
        ),
    )
    db.execute(
        update(_HEAD)
        .where(_HEAD.c.id == CHAIN_HEAD_ID)
        .values(last_transaction_id=ids[-1], last_hash=rows[-1]["hash"])
    )
    _expire_cached_accounts(db, deltas)
    new_ids = dict(zip((p.idempotency_key for p in fresh), ids, strict=True))
    return [new_ids.get(key) for key in keys]


def _chained_rows(fresh: Sequence[Posting], last_hash: str) -> list[dict[str, Any]]:
    """The ledger transaction rows of ``fresh``, in order, each hash chained to the one before
    (the first to ``last_hash``, the chain head's)."""
    created_at = utcnow()
    prev_hash = last_hash
    rows: list[dict[str, Any]] = []
    for posting in fresh:
        digest = chain_hash(
            prev_hash,
            canonical_json(
                key=posting.idempotency_key,
                kind=posting.kind,
                entries=posting.entries,
                memo=posting.memo,
                created_at=created_at,
            ),
        )
        rows.append(
            {
                "idempotency_key": posting.idempotency_key,
                "kind": posting.kind,
                "memo": posting.memo,
                "created_at": created_at,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    return rows


_APPLY_DELTA = (
    update(_ACCOUNTS)
    .where(
        _ACCOUNTS.c.id == bindparam("account"),
        # Only user accounts are floored at zero; the issuance account runs negative by design.
        or_(
            _ACCOUNTS.c.kind == AccountKind.ISSUANCE.value,
            _ACCOUNTS.c.balance + bindparam("delta") >= 0,
        ),
    )
    .values(balance=_ACCOUNTS.c.balance + bindparam("delta"))
)


# PostgreSQL: all credits in one statement over two arrays (an executemany would send one
# UPDATE per account; the quantify job credits thousands of accounts per batch).
_CREDITS = (
    func.unnest(bindparam("accounts", type_=IntArray()), bindparam("deltas", type_=IntArray()))
    .table_valued("account", "delta")
    .render_derived()
)
_APPLY_CREDITS = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == _CREDITS.c.account)
    .values(balance=_ACCOUNTS.c.balance + _CREDITS.c.delta)
)


def _apply_deltas(db: Session, deltas: Mapping[int, int]) -> None:
    credits = [(a, d) for a, d in sorted(deltas.items()) if d > 0]
    debits = [(a, d) for a, d in sorted(deltas.items()) if d < 0]
    if credits:
        # A credit can only fail if the account does not exist.
        if db.get_bind().dialect.name == "postgresql":
            accounts, amounts = zip(*credits, strict=True)
            result = db.execute(
                _APPLY_CREDITS, {"accounts": list(accounts), "deltas": list(amounts)}
            )
        else:
            result = db.execute(_APPLY_DELTA, [{"account": a, "delta": d} for a, d in credits])
        if result.rowcount != len(credits):  # type: ignore[attr-defined]
            raise NotFound(_l("A ledger account in this posting does not exist."))
    # Debits one by one (few per call: redemptions, donations, the issuance account) so the
    # refusal can say which balance was short.
    for account_id, delta in debits:
        result = db.execute(_APPLY_DELTA, {"account": account_id, "delta": delta})
        if result.rowcount == 1:  # type: ignore[attr-defined]
            continue
        balance = db.scalar(select(_ACCOUNTS.c.balance).where(_ACCOUNTS.c.id == account_id))
        if balance is None:
            raise NotFound(_l("A ledger account in this posting does not exist."))
        raise Conflict(
            _l(
                "Not enough points: the balance is %(balance)s points but %(points)s are needed.",
                balance=balance,
                points=-delta,
            )
        )


def _expire_cached_accounts(db: Session, deltas: Mapping[int, int]) -> None:
    # The Core UPDATEs bypass the identity map; a LedgerAccount the caller already loaded would
    # otherwise show its old balance for the rest of the transaction.
    for obj in list(db.identity_map.values()):
        if isinstance(obj, LedgerAccount) and obj.id in deltas:
            db.expire(obj, ["balance"])
