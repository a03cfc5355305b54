"""Ledger commands (DESIGN.md §6): balanced, idempotent, hash-chained postings of carbon points.

``append`` is the flush-only workhorse that jobs and other services call inside *their*
transaction; ``post`` and ``credit_points`` are public commands that own one. Points are whole
carbon points (integers). Every posting's entries sum to zero, user accounts never go negative,
and each ledger transaction stores ``hash = sha256(prev_hash + canonical content)`` so
``flask ledger verify`` can recompute the chain.

Lock order: an append locks the single chain-head row *first* and only then touches account
rows. That one lock serialises writers (PostgreSQL ``SELECT … FOR UPDATE``; SQLite already holds
its writer lock from ``BEGIN IMMEDIATE``), which makes the idempotency check race-free and means
appends can never deadlock each other. Callers must not lock ``ledger_accounts`` rows themselves
before calling ``append`` — that would invert the order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import IntArray, bulk_insert, session, transaction
from portal.errors import Conflict, NotFound
from portal.ledger.models import (
    AccountKind,
    LedgerAccount,
    LedgerChainHead,
    LedgerEntry,
    LedgerTransaction,
)

GENESIS_HASH = "0" * 64
CHAIN_HEAD_ID = 1  # the one row inserted by migration 0002
KEY_MAX_LENGTH = 120  # ledger_transactions.idempotency_key
KIND_MAX_LENGTH = 32  # ledger_transactions.kind
# Keeps every IN (...) list well under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters.
_CHUNK = 5_000

# Core tables: the bulk statements below bypass the ORM unit of work on purpose (speed, and
# conditional UPDATEs checked by rowcount, which the ORM's bulk-by-primary-key mode cannot do).
_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_TRANSACTIONS = cast(Table, LedgerTransaction.__table__)
_ENTRIES = cast(Table, LedgerEntry.__table__)
_HEAD = cast(Table, LedgerChainHead.__table__)


@dataclass(frozen=True)
class Posting:
    """One balanced ledger transaction to append.

    ``idempotency_key`` is ``source:reference`` (at most 120 characters) and unique for ever: a
    posting whose key is already in the ledger is skipped. ``kind`` names the business event
    (``quantify.credit``, ``redemption`` …; at most 32 characters). ``entries`` are
    ``(account_id, points)`` pairs: whole points, none zero, each account at most once, summing to
    zero. ``memo`` is JSON data kept with the transaction and covered by its hash; it is stored as
    its JSON round-trip (tuples become lists), so what is hashed is exactly what is read back.
    """

    idempotency_key: str
    kind: str
    entries: tuple[tuple[int, int], ...]
    memo: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.idempotency_key, str) or not self.idempotency_key.strip():
            raise ValueError("a posting needs a non-empty idempotency key")
        if len(self.idempotency_key) > KEY_MAX_LENGTH:
            raise ValueError(f"idempotency key longer than {KEY_MAX_LENGTH} characters")
        if not isinstance(self.kind, str) or not self.kind.strip():
            raise ValueError("a posting needs a non-empty kind")
        if len(self.kind) > KIND_MAX_LENGTH:
            raise ValueError(f"posting kind longer than {KIND_MAX_LENGTH} characters")
        entries = tuple(tuple(entry) for entry in self.entries)
        if len(entries) < 2:
            raise ValueError("a posting needs at least two entries")
        seen: set[int] = set()
        for entry in entries:
            if len(entry) != 2 or not all(_is_int(value) for value in entry):
                raise ValueError(f"entry {entry!r} is not an (account_id, points) pair of ints")
            account_id, points = entry
            if points == 0:
                raise ValueError(f"entry for account {account_id} has zero points")
            if account_id in seen:
                raise ValueError(f"account {account_id} appears twice in one posting")
            seen.add(account_id)
        total = sum(points for _, points in entries)
        if total != 0:
            raise ValueError(f"entries sum to {total} points, not 0")
        if not isinstance(self.memo, Mapping):
            raise ValueError("memo must be a mapping")
        if not _string_keys_only(self.memo):
            # json.dumps would turn them into strings, so the stored memo would hash differently.
            raise ValueError("memo keys must be strings")
        try:
            memo = json.loads(json.dumps(dict(self.memo), allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"memo is not plain JSON data: {exc}") from exc
        object.__setattr__(self, "entries", cast(tuple[tuple[int, int], ...], entries))
        object.__setattr__(self, "memo", memo)


def _string_keys_only(value: object) -> bool:
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _string_keys_only(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_string_keys_only(item) for item in value)
    return True


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def canonical_json(
    *,
    key: str,
    kind: str,
    entries: Iterable[tuple[int, int]],
    memo: Mapping[str, Any],
    created_at: datetime,
) -> str:
    """The exact text a transaction's hash covers. Pure; shared by ``append`` and ``verify``."""
    return json.dumps(
        {
            "key": key,
            "kind": kind,
            "entries": sorted([int(a), int(p)] for a, p in entries),
            "memo": memo,
            "created_at": created_at.astimezone(UTC).isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    """``sha256(prev_hash + canonical)`` as 64 hex characters (UTF-8)."""
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _lock_chain_head(db: Session) -> tuple[int | None, str]:
    # SQLite's compiler drops FOR UPDATE; its BEGIN IMMEDIATE already holds the writer lock.
    row = db.execute(
        select(_HEAD.c.last_transaction_id, _HEAD.c.last_hash)
        .where(_HEAD.c.id == CHAIN_HEAD_ID)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise RuntimeError("ledger_chain_head row 1 is missing; run the migrations")
    return row.last_transaction_id, row.last_hash


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def issuance_account_id() -> int:
    """The id of the issuance account, creating it on first use. Flush-only.

    Points enter the economy by a debit here (it runs negative by design: its balance is minus
    all points ever issued). Call inside the caller's transaction; any ledger service may. Two
    first callers cannot both create it: creation happens under the chain-head lock.
    """
    db = session()
    stmt = (
        select(_ACCOUNTS.c.id)
        .where(_ACCOUNTS.c.kind == AccountKind.ISSUANCE.value, _ACCOUNTS.c.user_id.is_(None))
        .order_by(_ACCOUNTS.c.id)
        .limit(1)
    )
    found = db.scalar(stmt)
    if found is not None:
        return int(found)
    # The unique (kind, user_id) constraint does not cover NULL user_id, so serialise the
    # creation on the chain head and look again: a racing creator has committed by then.
    _lock_chain_head(db)
    found = db.scalar(stmt)
    if found is not None:
        return int(found)
    created = db.scalar(
        insert(_ACCOUNTS)
        .values(kind=AccountKind.ISSUANCE.value, user_id=None, balance=0, created_at=utcnow())
        .returning(_ACCOUNTS.c.id)
    )
    return int(cast(int, created))


def ensure_user_accounts(user_ids: Iterable[int]) -> dict[int, int]:
    """Map each user id to its points account id, creating the missing accounts. Flush-only.

    For jobs and services inside their own transaction (the quantify job passes hundreds of
    ids at once: on PostgreSQL four statements per 5,000 at most, each id looked up by index).
    Safe when two callers race for the same user: ``INSERT … ON CONFLICT DO NOTHING`` on the
    unique (kind, user_id) and then a SELECT, which on PostgreSQL (READ COMMITTED) sees the
    other caller's committed row; on SQLite writers are serialised anyway. Raises NotFound if
    a user id does not exist; nothing is inserted then.
    """
    wanted = sorted(set(user_ids))  # sorted: concurrent callers insert in one order, no deadlock
    db = session()
    db.flush()  # a user added by the caller must exist before the account points at it
    accounts = _user_accounts(db, wanted)
    missing = [user_id for user_id in wanted if user_id not in accounts]
    if not missing:
        return accounts
    known = _found(db, _USERS.c.id, _USERS.c.id, missing)
    unknown = [user_id for user_id in missing if user_id not in known]
    if unknown:
        raise NotFound(_l("No such user: %(ids)s.", ids=", ".join(map(str, unknown[:10]))))
    now = utcnow()
    for chunk in _chunks(missing):
        if db.get_bind().dialect.name == "postgresql":
            # One INSERT … SELECT over the array per chunk (no statement per account).
            db.execute(
                pg_insert(_ACCOUNTS)
                .from_select(
                    ["kind", "user_id", "balance", "created_at"],
                    select(
                        literal(AccountKind.USER_POINTS.value),
                        _IDS.c.id,
                        literal(0),
                        literal(now, _ACCOUNTS.c.created_at.type),
                    ),
                )
                .on_conflict_do_nothing(index_elements=["kind", "user_id"]),
                {"ids": list(chunk)},
            )
        else:
            db.execute(
                sqlite_insert(_ACCOUNTS).on_conflict_do_nothing(index_elements=["kind", "user_id"]),
                [
                    {
                        "kind": AccountKind.USER_POINTS.value,
                        "user_id": user_id,
                        "balance": 0,
                        "created_at": now,
                    }
                    for user_id in chunk
                ],
            )
    accounts.update(_user_accounts(db, missing))
    return accounts


_IDS = func.unnest(bindparam("ids", type_=IntArray())).table_valued("id").render_derived()
_USERS = cast(Table, User.__table__)


def _found(
    db: Session,
    key: ColumnElement[int],
    value: ColumnElement[int],
    ids: Sequence[int],
    *where: ColumnElement[bool],
) -> dict[int, int]:
    """Map each of ``ids`` that some row has as ``key`` (``where`` holding) to its ``value``.

    On PostgreSQL one statement over an array per chunk, each id looked up by index on its own
    (a LATERAL subquery with LIMIT stays a nested loop): given ``key = ANY(…)``, the planner,
    costing a few hundred random page reads above a scan, would rather read the whole table.
    """
    found: dict[int, int] = {}
    postgresql = db.get_bind().dialect.name == "postgresql"
    lookup = select(value.label("value")).where(key == _IDS.c.id, *where).limit(1).lateral()
    for chunk in _chunks(ids):
        if postgresql:
            rows = db.execute(
                select(_IDS.c.id, lookup.c.value).join_from(_IDS, lookup, true()),
                {"ids": list(chunk)},
            )
        else:
            rows = db.execute(select(key, value).where(key.in_(chunk), *where))
        found.update({int(k): int(v) for k, v in rows})
    return found


def _user_accounts(db: Session, user_ids: Sequence[int]) -> dict[int, int]:
    return _found(
        db,
        _ACCOUNTS.c.user_id,
        _ACCOUNTS.c.id,
        user_ids,
        _ACCOUNTS.c.kind == AccountKind.USER_POINTS.value,
    )


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
    last_id, last_hash = _lock_chain_head(db)
    existing: set[str] = set()
    for chunk in _chunks(keys):
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
        .values(last_transaction_id=ids[-1], last_hash=prev_hash)
    )
    _expire_cached_accounts(db, deltas)
    new_ids = dict(zip((p.idempotency_key for p in fresh), ids, strict=True))
    return [new_ids.get(key) for key in keys]


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


def post(posting: Posting) -> int | None:
    """Append one posting in its own transaction and commit; returns its transaction id, or
    None if its idempotency key was already posted. Public command for any service or CLI
    command; raises as ``append`` does, and then nothing is written."""
    with transaction():
        return append([posting])[0]


def credit_points(
    *, user_id: int, points: int, idempotency_key: str, kind: str, memo: Mapping[str, Any]
) -> int | None:
    """Issue ``points`` (whole points, > 0) to ``user_id``: debit the issuance account, credit the
    user's points account (created if missing). Public command with its own transaction, for
    services that reward a single event; returns the transaction id, or None when
    ``idempotency_key`` was already posted. Raises ValueError for points <= 0 and NotFound for an
    unknown user."""
    if not _is_int(points) or points <= 0:
        raise ValueError("credit_points needs a positive whole number of points")
    with transaction():
        account_id = ensure_user_accounts([user_id])[user_id]
        issuance_id = issuance_account_id()
        posting = Posting(
            idempotency_key=idempotency_key,
            kind=kind,
            entries=((issuance_id, -points), (account_id, points)),
            memo=memo,
        )
        return append([posting])[0]
