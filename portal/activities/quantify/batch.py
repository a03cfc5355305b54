"""One quantify batch, one transaction: the public service the quantify loop calls.

A batch claims pending records, quantifies them, rejects those that fail, caps the rest
against their cap usage, writes the new usage, credits the points through the ledger and
writes the reductions, each of which stores the id of the ledger transaction that credited
it. Killing the job at any point rolls back the open batch: nothing is credited twice and no
record is lost.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, select, text

from portal.activities.models import FactorSnapshot, Reduction
from portal.activities.quantify.cap_usage import add_usage
from portal.activities.quantify.capping import cap_records
from portal.activities.quantify.claim import Cursor, Share, claim_pending
from portal.activities.quantify.crediting import credit_batch
from portal.activities.quantify.quantities import (
    ClaimedRecord,
    drop_deleted_accounts,
    quantify_claimed,
    reject_records,
)
from portal.activities.quantify.run_state import RunState, is_postgresql
from portal.clock import utcnow
from portal.db import bulk_insert, insert_or_skip, session, transaction
from portal.methodology.engine import CapResult, Quantification

BATCH_SIZE = 5000

_REDUCTIONS = cast(Table, Reduction.__table__)
_REDUCTION_COLUMNS = (
    "record_id",
    "user_id",
    "methodology_id",
    "version_id",
    "occurred_at",
    "gross_grams",
    "capped_grams",
    "net_grams",
    "points",
    "capped_by",
    "credited_quantity_milli",
    "is_counted",
    "is_saleable",
    "parameters",
    "snapshot_id",
    "ledger_transaction_id",
    "created_at",
)


@dataclass
class QuantifyReport:
    """What a batch or a run did: counts of records and batches, grams CO2e and points."""

    batches: int = 0
    quantified: int = 0
    rejected: int = 0
    net_grams: int = 0
    points: int = 0
    processes: int = 1  # worker processes the run took (QUANTIFY_WORKERS when it went parallel)

    def add(self, other: QuantifyReport) -> None:
        self.batches += other.batches
        self.quantified += other.quantified
        self.rejected += other.rejected
        self.net_grams += other.net_grams
        self.points += other.points

    def __str__(self) -> str:
        processes = f" by {self.processes} processes" if self.processes > 1 else ""
        return (
            f"{self.quantified} quantified, {self.rejected} rejected in {self.batches} batches"
            f"{processes}; {self.net_grams} g CO2e, {self.points} points"
        )


def stored_snapshot_id(result: Quantification) -> int:
    """The id of the stored snapshot of ``result``'s formula and factors, stored on first use.

    Snapshots are content-addressed (sha256 of canonical JSON), so two runners storing the same
    one at once end with one row: the loser's insert does nothing and it reads the winner's.
    """
    factors = {name: dict(snapshot) for name, snapshot in result.factor_snapshot.items()}
    canonical = json.dumps(
        {"formula": result.formula, "factors": factors},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    table = cast(Table, FactorSnapshot.__table__)
    session().execute(
        insert_or_skip(table, ["sha256"]).values(
            sha256=digest, formula=result.formula, factors=factors, created_at=utcnow()
        )
    )
    return int(session().execute(select(table.c.id).where(table.c.sha256 == digest)).scalar_one())


def quantify_batch(
    run: RunState, limit: int, after: Cursor, share: Share | None
) -> tuple[Cursor, QuantifyReport] | None:
    """Quantify one batch in one transaction, which commits; return the last queue row read
    and what the batch did (nothing when every record read was held elsewhere or no longer
    pending), or None when the queue held nothing more.

    For the quantify loop (``loop.run_batches``), which calls it until the queue is empty:
    ``run`` is the loop's state, ``limit`` the batch size in records, ``after`` the previous
    batch's last queue row and ``share`` the users this runner takes. Raises ``UsageMoved``
    (after rolling back) when another transaction changed the batch's cap usage meanwhile.

    Order matters for locks: the claimed records, then cap-usage rows, then the ledger chain
    head (in ``append``) — the order partner intake's reversals use too.
    """
    with transaction():
        if is_postgresql():
            # The commit need not wait for the batch's WAL to reach the disk (at most three
            # times wal_writer_delay later, 0.6 s by default). A crash of the database server
            # or its machine in that window loses the whole batch, never part of it: its
            # records are pending and queued again, with no reduction and no credit, and the
            # next run quantifies them again; meanwhile their points may have been shown. A
            # later commit that does wait, such as any spending of the points, writes this one
            # out first.
            session().execute(text("SET LOCAL synchronous_commit = off"))
        last, rows = claim_pending(limit, after, share)
        if last is None:
            return None
        if not rows:
            return last, QuantifyReport()
        report = QuantifyReport(batches=1)
        rows, closed = drop_deleted_accounts(rows)
        items, rejected = quantify_claimed(rows, run)
        rejected += closed
        reject_records(rejected)
        report.rejected = len(rejected)
        read, usage = cap_records(items)
        add_usage(read, usage)
        transaction_id = credit_batch(items, run)
        _write_reductions(items, run, transaction_id, report)
        report.quantified = len(items)
        return last, report


def _write_reductions(
    items: list[ClaimedRecord], run: RunState, transaction_id: int | None, report: QuantifyReport
) -> None:
    """Insert the batch's reductions (one COPY on PostgreSQL) and add them to ``report``."""
    now = utcnow()
    snapshots = run.snapshots
    reductions = []
    for item in items:
        capped = cast(CapResult, item.capped)
        version = item.version
        snapshot_id = snapshots.get(version.id)
        if snapshot_id is None:
            snapshot_id = snapshots[version.id] = stored_snapshot_id(item.result)
        reductions.append(
            (
                item.record_id,
                item.user_id,
                item.methodology_id,
                version.id,
                item.occurred_at,
                capped.gross_grams,
                capped.capped_grams,
                capped.net_grams,
                item.points,
                f"{capped.capped_by}:{capped.capped_limit}" if capped.capped_by else None,
                item.credited_milli,
                capped.is_counted,
                version.is_saleable,
                version.parameters_json(item.result, item.parameters),
                snapshot_id,
                transaction_id if item.points else None,
                now,
            )
        )
        report.net_grams += capped.net_grams
        report.points += item.points
    bulk_insert(_REDUCTIONS, _REDUCTION_COLUMNS, reductions, as_text=("parameters",))
