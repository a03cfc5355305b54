"""Ledger reads: balances, statements and ``verify`` (the tamper and consistency check)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from portal.db import session
from portal.ledger.chain import CHAIN_HEAD_ID, GENESIS_HASH, canonical_json, chain_hash
from portal.ledger.models import (
    AccountKind,
    LedgerAccount,
    LedgerChainHead,
    LedgerEntry,
    LedgerTransaction,
)

PER_PAGE = 25
VERIFY_CHUNK = 10_000  # transactions read per round trip; bounds verify()'s memory
MAX_PROBLEMS = 1_000  # beyond this only a count is kept, so a wrecked ledger cannot exhaust memory
_MAX_ROUNDS = 20  # chain walks to catch up with concurrent appends before giving up


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


@dataclass
class VerifyReport:
    """What ``verify`` found. ``ok`` is True only when ``problems`` is empty."""

    ok: bool = True
    transactions_checked: int = 0
    problems: list[str] = field(default_factory=list)
    problems_omitted: int = 0  # problems beyond MAX_PROBLEMS, counted but not listed

    def add(self, problem: str) -> None:
        self.ok = False
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_omitted += 1


def verify(chunk_size: int = VERIFY_CHUNK) -> VerifyReport:
    """Recompute the ledger and report every inconsistency; writes nothing.

    Checks: each transaction's ``prev_hash`` links to its predecessor (id order, starting from
    the genesis hash) and its ``hash`` matches its recomputed content; the chain head names the
    last transaction and hash; every transaction has entries, none zero, summing to zero; every
    account's stored balance equals the sum of its entries; no user account is negative; every
    entry's transaction and account exist.

    For ``flask ledger verify``, admins and monitoring. Streams in chunks of ``chunk_size``
    transactions, so memory stays flat on millions of rows, and is safe to run while the ledger
    is being appended to (see the comments on consistency below).
    """
    db = session()
    report = VerifyReport()
    after = 0  # ids start at 1
    stored_hash = GENESIS_HASH
    for _ in range(_MAX_ROUNDS):
        after, stored_hash = _walk_chain(db, report, after, stored_hash, chunk_size)
        # Rows and the head are committed together, so a chain read before the head can only be
        # shorter than the head (appends landed meanwhile: walk on), never longer — unless a row
        # was inserted behind the ledger's back.
        head = db.execute(
            select(LedgerChainHead.last_transaction_id, LedgerChainHead.last_hash).where(
                LedgerChainHead.id == CHAIN_HEAD_ID
            )
        ).one_or_none()
        if head is None:
            report.add("the chain head row is missing")
            break
        head_id = head.last_transaction_id or 0
        if head_id > after:
            continue
        if head_id < after:
            report.add(f"transactions after #{head_id} are not covered by the chain head")
        elif head.last_hash != stored_hash:
            report.add(f"the chain head hash does not match transaction #{after}")
        break
    else:
        report.add("the ledger kept changing while it was verified; run verify again")
    _check_orphans(db, report)
    _check_balances(db, report)
    return report


def _walk_chain(
    db: Session, report: VerifyReport, after: int, prev_hash: str, chunk_size: int
) -> tuple[int, str]:
    """Check transactions with id > ``after``; returns the last id and stored hash seen."""
    tx = LedgerTransaction
    while True:
        rows = db.execute(
            select(tx.id, tx.idempotency_key, tx.kind, tx.memo, tx.created_at)
            .add_columns(tx.prev_hash, tx.hash)
            .where(tx.id > after)
            .order_by(tx.id)
            .limit(chunk_size)
        ).all()
        if not rows:
            return after, prev_hash
        entries: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        for tx_id, account_id, points in db.execute(
            select(LedgerEntry.transaction_id, LedgerEntry.account_id, LedgerEntry.points).where(
                LedgerEntry.transaction_id.between(rows[0].id, rows[-1].id)
            )
        ):
            entries[tx_id].append((int(account_id), int(points)))
        for row in rows:
            lines = entries.get(row.id, [])
            if not lines:
                report.add(f"transaction #{row.id} has no entries")
            elif sum(points for _, points in lines) != 0:
                total = sum(points for _, points in lines)
                report.add(f"transaction #{row.id} entries sum to {total}, not 0")
            if any(points == 0 for _, points in lines):
                report.add(f"transaction #{row.id} has a zero entry")
            if row.prev_hash != prev_hash:
                report.add(f"transaction #{row.id} prev_hash does not link to its predecessor")
            content = canonical_json(
                key=row.idempotency_key,
                kind=row.kind,
                entries=lines,
                memo=row.memo,
                created_at=row.created_at,
            )
            if chain_hash(row.prev_hash, content) != row.hash:
                report.add(f"transaction #{row.id} content does not match its hash")
            # Continue from the *stored* hash so one altered row is reported once, not followed
            # by a cascade; rewriting a hash to match is caught by the next row's prev_hash.
            prev_hash = row.hash
            report.transactions_checked += 1
        after = rows[-1].id


def _check_orphans(db: Session, report: VerifyReport) -> None:
    # Entries carry no foreign keys (a per-row check on the busiest table), so their
    # transaction and account are checked here; only the (normally zero) orphans come back.
    for column, target, name in (
        (LedgerEntry.transaction_id, LedgerTransaction.id, "transaction"),
        (LedgerEntry.account_id, LedgerAccount.id, "account"),
    ):
        orphans = select(LedgerEntry.id, column).where(
            ~select(target).where(target == column).exists()
        )
        for entry_id, missing in db.execute(orphans.order_by(LedgerEntry.id)):
            report.add(f"entry #{entry_id} names {name} #{missing}, which does not exist")


def _check_balances(db: Session, report: VerifyReport) -> None:
    # One statement, so PostgreSQL reads balances and entries from one snapshot even while
    # appends commit; only the (normally zero) mismatching accounts come back.
    totals = (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.points).label("points"))
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    recomputed = func.coalesce(totals.c.points, 0)
    is_user = LedgerAccount.kind != AccountKind.ISSUANCE.value
    stmt = (
        select(LedgerAccount.id, LedgerAccount.kind, LedgerAccount.balance, recomputed)
        .outerjoin(totals, totals.c.account_id == LedgerAccount.id)
        .where(
            or_(
                LedgerAccount.balance != recomputed,
                and_(is_user, or_(LedgerAccount.balance < 0, recomputed < 0)),
            )
        )
        .order_by(LedgerAccount.id)
    )
    for account_id, kind, balance, points in db.execute(stmt):
        if balance != points:
            report.add(
                f"account #{account_id} balance is {balance} but its entries sum to {int(points)}"
            )
        if kind != AccountKind.ISSUANCE.value and min(balance, points) < 0:
            report.add(f"user account #{account_id} is negative")
