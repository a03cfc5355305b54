"""Sealing: the one writer of the hash chain, off the path of every points write.

Writers insert ledger transactions unchained (``seq`` NULL). ``seal`` takes the chain head's
lock, reads the unsealed transactions visible now in id order, gives each the next ``seq``,
``prev_hash`` (the previous one's hash) and ``hash = sha256(prev_hash + canonical content)``,
adds the entries of pooled accounts to their balances, moves the head, and commits; in rounds
of ``SEAL_CHUNK`` until nothing is left. A transaction that commits after a round has read
(its id may be lower than some already sealed) is sealed by the next one. Run by the ``seal``
job every minute and by ``flask ledger seal``; safe to run twice at once (the second waits on
the head) and to kill (a round is one transaction).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from sqlalchemy import Table, any_, bindparam, func, select, update
from sqlalchemy.orm import Session

from portal.db import IntArray, TextArray, session, transaction
from portal.ledger.chain import CHAIN_HEAD_ID, canonical_json, chain_hash, lock_chain_head
from portal.ledger.models import (
    POOLED_KINDS,
    LedgerAccount,
    LedgerChainHead,
    LedgerEntry,
    LedgerTransaction,
)

SEAL_CHUNK = 5_000  # transactions chained per round (one database transaction each)

_TRANSACTIONS = cast(Table, LedgerTransaction.__table__)
_ENTRIES = cast(Table, LedgerEntry.__table__)
_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_HEAD = cast(Table, LedgerChainHead.__table__)

_SET_CHAIN = (
    update(_TRANSACTIONS)
    .where(_TRANSACTIONS.c.id == bindparam("tx_id"), _TRANSACTIONS.c.seq.is_(None))
    .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), hash=bindparam("new_hash"))
)
# PostgreSQL: the whole round in one statement over four arrays, not one UPDATE per row.
_CHAIN = (
    func.unnest(
        bindparam("ids", type_=IntArray()),
        bindparam("seqs", type_=IntArray()),
        bindparam("prevs", type_=TextArray()),
        bindparam("hashes", type_=TextArray()),
    )
    .table_valued("id", "seq", "prev", "hash")
    .render_derived()
)
_SET_CHAIN_PG = (
    update(_TRANSACTIONS)
    .where(_TRANSACTIONS.c.id == _CHAIN.c.id, _TRANSACTIONS.c.seq.is_(None))
    .values(seq=_CHAIN.c.seq, prev_hash=_CHAIN.c.prev, hash=_CHAIN.c.hash)
)
_ADD_TO_BALANCE = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account"))
    .values(balance=_ACCOUNTS.c.balance + bindparam("delta"))
)


def seal(chunk: int = SEAL_CHUNK) -> int:
    """Chain every transaction unsealed now; return how many were sealed. Owns its
    transactions (one per round): call outside any."""
    sealed = 0
    while True:
        with transaction() as db:
            done = _seal_round(db, chunk)
        sealed += done
        if done < chunk:
            return sealed


def _seal_round(db: Session, chunk: int) -> int:
    lock_chain_head(db)
    head = db.execute(
        select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == CHAIN_HEAD_ID)
    ).one()
    t = _TRANSACTIONS.c
    rows = db.execute(
        select(t.id, t.idempotency_key, t.kind, t.memo, t.created_at)
        .where(t.seq.is_(None))
        .order_by(t.id)
        .limit(chunk)
    ).all()
    if not rows:
        return 0
    ids = [row.id for row in rows]
    entries = entries_of(db, ids)
    seq, prev_hash = int(head.last_seq), str(head.last_hash)
    chained: list[dict[str, Any]] = []
    for row in rows:
        seq += 1
        digest = chain_hash(
            prev_hash,
            canonical_json(
                key=row.idempotency_key,
                kind=row.kind,
                entries=entries.get(row.id, []),
                memo=row.memo,
                created_at=row.created_at,
            ),
        )
        chained.append({"tx_id": row.id, "new_seq": seq, "new_prev": prev_hash, "new_hash": digest})
        prev_hash = digest
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            _SET_CHAIN_PG,
            {
                "ids": [row["tx_id"] for row in chained],
                "seqs": [row["new_seq"] for row in chained],
                "prevs": [row["new_prev"] for row in chained],
                "hashes": [row["new_hash"] for row in chained],
            },
        )
    else:
        db.execute(_SET_CHAIN, chained)
    pooled = _pooled_deltas(db, int(head.last_seq), seq)
    if pooled:
        db.execute(_ADD_TO_BALANCE, [{"account": a, "delta": d} for a, d in sorted(pooled.items())])
    db.execute(
        update(_HEAD)
        .where(_HEAD.c.id == CHAIN_HEAD_ID)
        .values(last_transaction_id=rows[-1].id, last_seq=seq, last_hash=prev_hash)
    )
    return len(rows)


def entries_of(db: Session, ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """The (account, points) entries of each transaction of ``ids`` (at most a few thousand)."""
    e = _ENTRIES.c
    stmt = select(e.transaction_id, e.account_id, e.points)
    if db.get_bind().dialect.name == "postgresql":
        rows = db.execute(
            stmt.where(e.transaction_id == any_(bindparam("ids", type_=IntArray()))),
            {"ids": ids},
        )
    else:
        rows = db.execute(stmt.where(e.transaction_id.in_(ids)))
    found: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    for tx_id, account_id, points in rows:
        found[int(tx_id)].append((int(account_id), int(points)))
    return found


def _pooled_deltas(db: Session, after_seq: int, last_seq: int) -> dict[int, int]:
    """The net change of each pooled account over the transactions just sealed (seq after
    ``after_seq`` up to ``last_seq``)."""
    e, t, a = _ENTRIES.c, _TRANSACTIONS.c, _ACCOUNTS.c
    stmt = (
        select(e.account_id, func.sum(e.points))
        .join(_TRANSACTIONS, t.id == e.transaction_id)
        .join(_ACCOUNTS, a.id == e.account_id)
        .where(t.seq > after_seq, t.seq <= last_seq, a.kind.in_(sorted(POOLED_KINDS)))
        .group_by(e.account_id)
    )
    return {int(account): int(delta) for account, delta in db.execute(stmt) if delta}


def count_unsealed() -> int:
    """How many ledger transactions wait for the sealing job."""
    stmt = select(func.count()).where(_TRANSACTIONS.c.seq.is_(None))
    return int(session().execute(stmt).scalar_one())
