"""``verify``, the tamper and consistency check, and the checkpoints it starts from.

``verify`` walks the sealed chain in ``seq`` order from the latest checkpoint (or, with
``full=True``, from the genesis hash), checks the unsealed transactions, and compares every
account's stored balance with the checkpoint's sums plus the entries since. A checkpoint is
recorded (``record_checkpoint``, daily and by ``flask ledger checkpoint``) only after a verify
that found nothing, under the chain head's lock, so it vouches for everything before it; a
``full`` walk checks that history again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, and_, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.db import session, transaction
from portal.ledger.chain import (
    CHAIN_HEAD_ID,
    GENESIS_HASH,
    canonical_json,
    chain_hash,
    lock_chain_head,
)
from portal.ledger.models import (
    FLOORED_KINDS,
    AccountKind,
    LedgerAccount,
    LedgerChainHead,
    LedgerCheckpoint,
    LedgerCheckpointBalance,
    LedgerEntry,
    LedgerTransaction,
)
from portal.ledger.sealing import entries_of

VERIFY_CHUNK = 10_000  # transactions read per round trip; bounds verify()'s memory
MAX_PROBLEMS = 1_000  # beyond this only a count is kept, so a wrecked ledger cannot exhaust memory
_MAX_ROUNDS = 20  # chain walks to catch up with concurrent sealing before giving up

_TX = cast(Table, LedgerTransaction.__table__)
_ENTRIES = cast(Table, LedgerEntry.__table__)
_ACCOUNTS = cast(Table, LedgerAccount.__table__)
_HEAD = cast(Table, LedgerChainHead.__table__)
_CHECKPOINTS = cast(Table, LedgerCheckpoint.__table__)
_CP_BALANCES = cast(Table, LedgerCheckpointBalance.__table__)


@dataclass
class VerifyReport:
    """What ``verify`` found. ``ok`` is True only when ``problems`` is empty."""

    ok: bool = True
    transactions_checked: int = 0  # sealed, walked in the chain
    unsealed_checked: int = 0
    from_seq: int = 0  # where the walk began: a checkpoint's seq, or 0 (the genesis hash)
    problems: list[str] = field(default_factory=list)
    problems_omitted: int = 0  # problems beyond MAX_PROBLEMS, counted but not listed

    def add(self, problem: str) -> None:
        self.ok = False
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_omitted += 1


@dataclass(frozen=True)
class _Start:
    checkpoint_id: int | None
    seq: int
    hash: str
    max_entry_id: int


def verify(chunk_size: int = VERIFY_CHUNK, *, full: bool = False) -> VerifyReport:
    """Recompute the ledger and report every inconsistency, naming the row; writes nothing.

    Checks: the sealed transactions after the start follow one another (``seq`` without a gap,
    each ``prev_hash`` the previous hash, each ``hash`` its recomputed content); the chain head
    names the last of them; every checkpoint's hash is its transaction's; every transaction,
    sealed or not, has entries, none zero, summing to zero, and an unsealed one no hash; each
    account's stored balance is what its entries make it and none but the issuance account's is
    negative; entries since the start name a transaction and an account that exist.

    From the latest checkpoint by default (its cost grows with what happened since), from the
    genesis hash with ``full``. For ``flask ledger verify``, admins and monitoring; safe while
    the ledger is written and sealed.
    """
    db = session()
    report = VerifyReport()
    start = _Start(None, 0, GENESIS_HASH, 0) if full else _latest_checkpoint(db)
    report.from_seq = start.seq
    _check_checkpoints(db, report)
    _walk_sealed(db, report, start, chunk_size)
    _walk_unsealed(db, report, chunk_size)
    _check_orphans(db, report, start.max_entry_id)
    _check_balances(db, report, start)
    return report


def _latest_checkpoint(db: Session) -> _Start:
    c = _CHECKPOINTS.c
    row = db.execute(
        select(c.id, c.seq, c.hash, c.max_entry_id).order_by(c.id.desc()).limit(1)
    ).one_or_none()
    if row is None:
        return _Start(None, 0, GENESIS_HASH, 0)
    return _Start(int(row.id), int(row.seq), str(row.hash), int(row.max_entry_id))


def _check_checkpoints(db: Session, report: VerifyReport) -> None:
    stmt = (
        select(_CHECKPOINTS.c.id, _CHECKPOINTS.c.seq)
        .outerjoin(_TX, _TX.c.seq == _CHECKPOINTS.c.seq)
        .where(or_(_TX.c.id.is_(None), _TX.c.hash != _CHECKPOINTS.c.hash))
        .order_by(_CHECKPOINTS.c.id)
    )
    for checkpoint_id, seq in db.execute(stmt):
        report.add(f"checkpoint #{checkpoint_id} does not match the transaction at seq {seq}")


def _walk_sealed(db: Session, report: VerifyReport, start: _Start, chunk_size: int) -> None:
    after, prev_hash = start.seq, start.hash
    for _ in range(_MAX_ROUNDS):
        walked_to = _walk_chain(db, report, after, prev_hash, chunk_size)
        progressed = walked_to[0] > after
        after, prev_hash = walked_to
        head = db.execute(
            select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == CHAIN_HEAD_ID)
        ).one_or_none()
        if head is None:
            report.add("the chain head row is missing")
            return
        if head.last_seq > after and progressed:
            continue  # sealed meanwhile: walk on
        if head.last_seq > after:
            report.add(
                f"the chain head names seq {head.last_seq} but the chain ends at seq {after}"
            )
        elif head.last_seq < after:
            report.add(f"transactions after seq {head.last_seq} are not covered by the chain head")
        elif head.last_hash != prev_hash:
            report.add(f"the chain head hash does not match the transaction at seq {after}")
        return
    report.add("the ledger kept changing while it was verified; run verify again")


def _walk_chain(
    db: Session, report: VerifyReport, after: int, prev_hash: str, chunk_size: int
) -> tuple[int, str]:
    """Check sealed transactions with seq > ``after``; return the last seq and hash seen."""
    t = _TX.c
    while True:
        rows = db.execute(
            select(t.id, t.seq, t.idempotency_key, t.kind, t.memo, t.created_at)
            .add_columns(t.prev_hash, t.hash)
            .where(t.seq > after)
            .order_by(t.seq)
            .limit(chunk_size)
        ).all()
        if not rows:
            return after, prev_hash
        entries = _sealed_entries(db, after, int(rows[-1].seq))
        for row in rows:
            name = f"transaction #{row.id}"
            lines = entries.get(row.id, [])
            _check_entries(report, name, lines)
            if row.seq != after + 1:
                report.add(f"{name} is at seq {row.seq}, not {after + 1}: the chain has a gap")
            if row.prev_hash != prev_hash:
                report.add(f"{name} prev_hash does not link to its predecessor")
            content = canonical_json(
                key=row.idempotency_key,
                kind=row.kind,
                entries=lines,
                memo=row.memo,
                created_at=row.created_at,
            )
            if row.hash is None or chain_hash(row.prev_hash or "", content) != row.hash:
                report.add(f"{name} content does not match its hash")
            # Continue from the *stored* hash so one altered row is reported once, not followed
            # by a cascade; rewriting a hash to match is caught by the next row's prev_hash.
            prev_hash = row.hash or ""
            after = int(row.seq)
            report.transactions_checked += 1


def _walk_unsealed(db: Session, report: VerifyReport, chunk_size: int) -> None:
    t = _TX.c
    after = 0
    while True:
        rows = db.execute(
            select(t.id, t.prev_hash, t.hash)
            .where(t.seq.is_(None), t.id > after)
            .order_by(t.id)
            .limit(chunk_size)
        ).all()
        if not rows:
            return
        entries = entries_of(db, [row.id for row in rows])
        for row in rows:
            name = f"transaction #{row.id}"
            _check_entries(report, name, entries.get(row.id, []))
            if row.hash is not None or row.prev_hash is not None:
                report.add(f"{name} has a hash but no place in the chain")
            report.unsealed_checked += 1
        after = rows[-1].id


def _sealed_entries(db: Session, after: int, last: int) -> dict[int, list[tuple[int, int]]]:
    """The entries of the sealed transactions with seq after ``after`` up to ``last``."""
    e, t = _ENTRIES.c, _TX.c
    found: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    for tx_id, account_id, points in db.execute(
        select(e.transaction_id, e.account_id, e.points)
        .join(_TX, t.id == e.transaction_id)
        .where(t.seq > after, t.seq <= last)
    ):
        found[int(tx_id)].append((int(account_id), int(points)))
    return found


def _check_entries(report: VerifyReport, name: str, lines: list[tuple[int, int]]) -> None:
    if not lines:
        report.add(f"{name} has no entries")
        return
    total = sum(points for _, points in lines)
    if total != 0:
        report.add(f"{name} entries sum to {total}, not 0")
    if any(points == 0 for _, points in lines):
        report.add(f"{name} has a zero entry")


def _check_orphans(db: Session, report: VerifyReport, since_entry: int) -> None:
    # Entries carry no foreign keys (a per-row check on the busiest table), so their
    # transaction and account are checked here; only the (normally zero) orphans come back.
    e = _ENTRIES.c
    for column, target, name in (
        (e.transaction_id, _TX.c.id, "transaction"),
        (e.account_id, _ACCOUNTS.c.id, "account"),
    ):
        orphans = select(e.id, column).where(
            e.id > since_entry, ~select(target).where(target == column).exists()
        )
        for entry_id, missing in db.execute(orphans.order_by(e.id)):
            report.add(f"entry #{entry_id} names {name} #{missing}, which does not exist")


def _check_balances(db: Session, report: VerifyReport, start: _Start) -> None:
    """One statement, so PostgreSQL reads balances, checkpoint and entries from one snapshot
    even while appends and sealing commit; only the (normally zero) mismatches come back.

    A floored account's balance is the sum of all its entries, a pooled one's of its sealed
    entries: the checkpoint's sums plus the entries since."""
    e, t, a = _ENTRIES.c, _TX.c, _ACCOUNTS.c
    since = (
        select(e.account_id, e.points)
        .join(_TX, t.id == e.transaction_id)
        .join(_ACCOUNTS, a.id == e.account_id)
        .where(or_(t.seq > start.seq, and_(t.seq.is_(None), a.kind.in_(sorted(FLOORED_KINDS)))))
    )
    parts = [since]
    if start.checkpoint_id is not None:
        parts.append(
            select(_CP_BALANCES.c.account_id, _CP_BALANCES.c.points).where(
                _CP_BALANCES.c.checkpoint_id == start.checkpoint_id
            )
        )
    moved = union_all(*parts).subquery()
    totals = (
        select(moved.c.account_id, func.sum(moved.c.points).label("points"))
        .group_by(moved.c.account_id)
        .subquery()
    )
    expected = func.coalesce(totals.c.points, 0)
    floored = a.kind != AccountKind.ISSUANCE.value
    stmt = (
        select(a.id, a.kind, a.balance, expected)
        .outerjoin(totals, totals.c.account_id == a.id)
        .where(or_(a.balance != expected, and_(floored, or_(a.balance < 0, expected < 0))))
        .order_by(a.id)
    )
    for account_id, kind, balance, points in db.execute(stmt):
        if balance != points:
            report.add(
                f"account #{account_id} balance is {balance} but its entries sum to {int(points)}"
            )
        if kind != AccountKind.ISSUANCE.value and min(balance, points) < 0:
            owner = "user account" if kind == AccountKind.USER_POINTS.value else f"{kind} account"
            report.add(f"{owner} #{account_id} is negative")


@dataclass(frozen=True)
class CheckpointResult:
    report: VerifyReport
    checkpoint_id: int | None  # None: verify found problems, or nothing was sealed since
    seq: int


def record_checkpoint() -> CheckpointResult:
    """Verify from the latest checkpoint and, if all is well, record a new one at the chain
    head, with each account's sums. Owns its transaction: the head stays locked throughout, so
    no seal lands between the verify and the record. Keeps only the newest balances."""
    with transaction() as db:
        lock_chain_head(db)
        report = verify()
        head = db.execute(
            select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == CHAIN_HEAD_ID)
        ).one()
        previous = _latest_checkpoint(db)
        seq = int(head.last_seq)
        if not report.ok or seq == previous.seq:
            return CheckpointResult(report, None, seq)
        max_entry = db.scalar(select(func.max(_ENTRIES.c.id))) or 0
        checkpoint_id = db.scalar(
            insert(_CHECKPOINTS)
            .values(
                seq=seq,
                hash=head.last_hash,
                max_entry_id=max_entry,
                created_at=utcnow(),
            )
            .returning(_CHECKPOINTS.c.id)
        )
        _record_sums(db, int(cast(int, checkpoint_id)), previous, seq)
        return CheckpointResult(report, int(cast(int, checkpoint_id)), seq)


def _record_sums(db: Session, checkpoint_id: int, previous: _Start, seq: int) -> None:
    e, t = _ENTRIES.c, _TX.c
    parts = [
        select(e.account_id, e.points)
        .join(_TX, t.id == e.transaction_id)
        .where(t.seq > previous.seq, t.seq <= seq)
    ]
    if previous.checkpoint_id is not None:
        parts.append(
            select(_CP_BALANCES.c.account_id, _CP_BALANCES.c.points).where(
                _CP_BALANCES.c.checkpoint_id == previous.checkpoint_id
            )
        )
    moved = union_all(*parts).subquery()
    db.execute(
        insert(_CP_BALANCES).from_select(
            ["checkpoint_id", "account_id", "points"],
            select(literal(checkpoint_id), moved.c.account_id, func.sum(moved.c.points)).group_by(
                moved.c.account_id
            ),
        )
    )
    if previous.checkpoint_id is not None:
        db.execute(
            delete(_CP_BALANCES).where(_CP_BALANCES.c.checkpoint_id == previous.checkpoint_id)
        )
