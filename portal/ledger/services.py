"""The ledger's public face (DESIGN.md §6): balanced, idempotent postings of points.

Only ``portal/ledger/`` writes the ledger tables. A domain that moves points finds the
accounts (``issuance_account_id``, ``ensure_user_accounts``, ``owned_account_id``,
``system_account_id``), builds ``Posting``s and calls ``append`` inside *its own* transaction:
``append`` is flush-only and runs in a savepoint, so the caller's command commits the points
with the rest of its work, once. Points are whole carbon points (integers). Every posting's
entries sum to zero and floored accounts (citizens, campaign budgets) never go negative.

No global lock: an append inserts its transactions (``INSERT … ON CONFLICT DO NOTHING`` on the
idempotency key, so a racing duplicate waits for the first and is then skipped) and updates
only the floored accounts it touches, in account order. Pooled accounts, which many writers
credit at once (issuance, a popular merchant, a project), are not updated here: the sealing job
(``portal.ledger.sealing``), which also chains each transaction's hash, adds their entries to
their balances. Callers must not lock ``ledger_accounts`` rows out of account order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.db import IntArray, bulk_insert, insert_or_skip, session
from portal.errors import Conflict, NotFound
from portal.ledger.accounts import (
    ensure_user_accounts,
    issuance_account_id,
    owned_account_id,
    system_account_id,
)
from portal.ledger.models import FLOORED_KINDS, LedgerAccount, LedgerEntry, LedgerTransaction
from portal.ledger.postings import Posting

__all__ = [
    "Posting",
    "append",
    "ensure_user_accounts",
    "issuance_account_id",
    "lock_balance",
    "lock_user_balance",
    "owned_account_id",
    "system_account_id",
]

# Core tables: the bulk statements below bypass the ORM unit of work on purpose (speed, and
# conditional UPDATEs checked by rowcount, which the ORM's bulk-by-primary-key mode cannot do).
_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_TRANSACTIONS = cast(Table, LedgerTransaction.__table__)
_ENTRIES = cast(Table, LedgerEntry.__table__)


def append(postings: Sequence[Posting]) -> list[int | None]:
    """Append postings to the ledger in order; returns each one's transaction id, or None where
    its idempotency key was already posted (so a retried job never credits twice). Flush-only.

    Called by jobs and services inside their own transaction (the quantify job with thousands
    of postings at once: the cost is a fixed handful of statements plus batched inserts and the
    UPDATEs of the floored accounts touched). Invariants kept: every transaction balances; a
    floored account never goes negative — checked on each account's *net* change over the call,
    which is atomic, so the order of postings inside one call does not matter. The transactions
    are chained later, by the sealing job.

    Raises ValueError for duplicate keys within the call, Conflict when a floored account would
    go negative, NotFound for an unknown account. The call runs in a savepoint, so on any error
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


def lock_user_balance(user_id: int) -> tuple[int, int]:
    """The user's points account id and balance, the account row locked (``FOR UPDATE`` on
    PostgreSQL) until the caller's transaction ends, so no credit or debit lands between this
    read and the caller's posting (a posting of exactly the balance, say). Creates the account
    if missing. Flush-only; the caller must hold no other ledger account lock (account order).
    """
    account_id = ensure_user_accounts([user_id])[user_id]
    balance = session().scalar(
        select(_ACCOUNTS.c.balance).where(_ACCOUNTS.c.id == account_id).with_for_update()
    )
    return account_id, int(balance or 0)


def lock_balance(account_id: int) -> int:
    """The balance of a floored account (a campaign budget), its row locked (``FOR UPDATE`` on
    PostgreSQL) until the caller's transaction ends, so that what the caller decides from it
    (bonuses paid from a budget) still holds when its posting lands. Flush-only. Lock one such
    account per transaction and before any posting: a caller holding it then credits accounts
    in the ledger's order, and no other writer locks it after a user account, so no cycle.
    Raises NotFound for an unknown or pooled account (pooled balances lag behind sealing)."""
    row = (
        session()
        .execute(
            select(_ACCOUNTS.c.kind, _ACCOUNTS.c.balance)
            .where(_ACCOUNTS.c.id == account_id)
            .with_for_update()
        )
        .first()
    )
    if row is None or row.kind not in FLOORED_KINDS:
        raise NotFound(_l("A ledger account in this posting does not exist."))
    return int(row.balance)


def _append(db: Session, postings: Sequence[Posting], keys: list[str]) -> list[int | None]:
    created_at = utcnow()
    inserted = db.execute(
        insert_or_skip(_TRANSACTIONS, ["idempotency_key"]).returning(
            _TRANSACTIONS.c.id, _TRANSACTIONS.c.idempotency_key
        ),
        [
            {
                "idempotency_key": posting.idempotency_key,
                "kind": posting.kind,
                "memo": posting.memo,
                "created_at": created_at,
            }
            for posting in postings
        ],
    ).all()
    new_ids = {key: int(tx_id) for tx_id, key in inserted}
    fresh = [(new_ids[p.idempotency_key], p) for p in postings if p.idempotency_key in new_ids]
    if not fresh:
        return [None] * len(postings)
    deltas: dict[int, int] = {}
    for _, posting in fresh:
        for account_id, points in posting.entries:
            deltas[account_id] = deltas.get(account_id, 0) + points
    _apply_deltas(db, deltas)
    bulk_insert(
        _ENTRIES,
        ("transaction_id", "account_id", "points"),
        [
            (tx_id, account_id, points)
            for tx_id, posting in fresh
            for account_id, points in posting.entries
        ],
    )
    _expire_cached_accounts(db, deltas)
    return [new_ids.get(key) for key in keys]


# Spelled out rather than IN (…): SQLAlchemy expands IN lists per execution, which an
# executemany cannot do.
_FLOORED = or_(*(_ACCOUNTS.c.kind == kind for kind in sorted(FLOORED_KINDS)))
_APPLY_DELTA = (
    update(_ACCOUNTS)
    .where(
        _ACCOUNTS.c.id == bindparam("account"),
        _FLOORED,
        _ACCOUNTS.c.balance + bindparam("delta") >= 0,
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
    .where(_ACCOUNTS.c.id == _CREDITS.c.account, _FLOORED)
    .values(balance=_ACCOUNTS.c.balance + _CREDITS.c.delta)
)


def _apply_deltas(db: Session, deltas: Mapping[int, int]) -> None:
    """Update the floored accounts among ``deltas`` (in account order, so two appends never
    deadlock); refuse a debit beyond a balance, and any account that does not exist. Pooled
    accounts are left to the sealing job."""
    credits = [(a, d) for a, d in sorted(deltas.items()) if d > 0]
    debits = [(a, d) for a, d in sorted(deltas.items()) if d < 0]
    if credits:
        if db.get_bind().dialect.name == "postgresql":
            # All credits in one statement over two arrays (an executemany would send one
            # UPDATE per account; the quantify job credits thousands of accounts per batch).
            accounts, amounts = zip(*credits, strict=True)
            result = db.execute(
                _APPLY_CREDITS, {"accounts": list(accounts), "deltas": list(amounts)}
            )
        else:
            result = db.execute(_APPLY_DELTA, [{"account": a, "delta": d} for a, d in credits])
        if result.rowcount != len(credits):  # type: ignore[attr-defined]
            _check_not_floored(db, [account_id for account_id, _ in credits], deltas)
    # Debits one by one (few per call: redemptions, donations, reversals) so the refusal can
    # say which balance was short.
    for account_id, delta in debits:
        result = db.execute(_APPLY_DELTA, {"account": account_id, "delta": delta})
        if result.rowcount != 1:  # type: ignore[attr-defined]
            _check_not_floored(db, [account_id], deltas)


def _check_not_floored(db: Session, account_ids: list[int], deltas: Mapping[int, int]) -> None:
    """Among ``account_ids``, whose floored accounts were updated unless a debit was refused,
    accept the pooled accounts (the sealing job keeps their balances); refuse a missing account
    or a floored one left out (its debit went beyond its balance)."""
    found = {
        int(account_id): (kind, int(balance))
        for account_id, kind, balance in db.execute(
            select(_ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.balance).where(
                _ACCOUNTS.c.id.in_(account_ids)
            )
        )
    }
    for account_id in account_ids:
        if account_id not in found:
            raise NotFound(_l("A ledger account in this posting does not exist."))
        kind, balance = found[account_id]
        if kind in FLOORED_KINDS and deltas[account_id] < 0:
            raise Conflict(
                _l(
                    "Not enough points: the balance is %(balance)s points but %(points)s are "
                    "needed.",
                    balance=balance,
                    points=-deltas[account_id],
                )
            )


def _expire_cached_accounts(db: Session, deltas: Mapping[int, int]) -> None:
    # The Core UPDATEs bypass the identity map; a LedgerAccount the caller already loaded would
    # otherwise show its old balance for the rest of the transaction.
    for obj in list(db.identity_map.values()):
        if isinstance(obj, LedgerAccount) and obj.id in deltas:
            db.expire(obj, ["balance"])
