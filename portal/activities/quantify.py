"""The quantify job: pending behaviour records become reductions and carbon points.

Each batch is one database transaction: claim pending records (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two runners never take the same record; SQLite's ``BEGIN IMMEDIATE`` serialises
writers), quantify each by the version in force at its ``occurred_at``, apply the person's caps
in order of ``occurred_at`` against the locked cap-usage rows, write the reductions, mark the
records and credit the points through the ledger (idempotent per record). Killing the job at
any point rolls back the open batch: nothing is credited twice and no record is lost.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.activities.models import BehaviorRecord, CapUsage, RecordStatus, Reduction
from portal.activities.rules import QUANTITY_SCALE
from portal.db import session, transaction, utcnow
from portal.ledger.services import Posting, append, ensure_user_accounts, issuance_account_id
from portal.methodology.engine import (
    Bucket,
    CapInput,
    FormulaError,
    ParameterError,
    Usage,
    apply_caps,
    buckets_for,
    quantify,
)
from portal.methodology.engine import (
    CapUsage as EngineCapUsage,
)
from portal.methodology.models import Methodology, MethodologyStatus, MethodologyVersion
from portal.methodology.queries import FiledVersions
from portal.methodology.stored import VersionSpec
from portal.methodology.units import UnitMismatch

BATCH_SIZE = 2000


@dataclass
class QuantifyReport:
    batches: int = 0
    quantified: int = 0
    rejected: int = 0
    net_grams: int = 0
    points: int = 0

    def __str__(self) -> str:
        return (
            f"{self.quantified} quantified, {self.rejected} rejected in {self.batches} batches; "
            f"{self.net_grams} g CO2e, {self.points} points"
        )


def _claim(limit: int) -> list[BehaviorRecord]:
    """Pending records of methodologies not suspended, oldest first, locked for this batch."""
    suspended = select(Methodology.id).where(
        Methodology.status == MethodologyStatus.SUSPENDED.value
    )
    stmt = (
        select(BehaviorRecord)
        .where(
            BehaviorRecord.status == RecordStatus.PENDING.value,
            BehaviorRecord.methodology_id.not_in(suspended),
        )
        .order_by(BehaviorRecord.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=BehaviorRecord)
    )
    return list(session().scalars(stmt))


UsageKey = tuple[int, int, str, date]  # user, methodology, period, bucket start


def _insert_dialect() -> Any:
    return postgresql if session().get_bind().dialect.name == "postgresql" else sqlite


def _lock_usage(keys: set[UsageKey]) -> dict[tuple[int, int], dict[Bucket, list[int]]]:
    """Make sure a usage row exists for every bucket, lock them all in key order (so two runners
    never wait on each other in opposite orders) and return their values — [grams,
    quantity_milli, records] per bucket, grouped by (user, methodology) — for updating in place.

    The rows are selected by users, methodologies and a date range (a few parameters instead
    of one per key) and filtered to the wanted keys here.
    """
    if not keys:
        return {}
    table = cast(Table, CapUsage.__table__)
    session().execute(
        _insert_dialect().insert(table).on_conflict_do_nothing(),
        [
            {"user_id": u, "methodology_id": m, "period": p, "bucket_start": b}
            | {"grams": 0, "quantity_milli": 0, "records": 0}
            for u, m, p, b in sorted(keys)
        ],
    )
    users = sorted({k[0] for k in keys})
    stmt = (
        select(table)
        .where(
            table.c.user_id.in_(users),
            table.c.methodology_id.in_({k[1] for k in keys}),
            table.c.bucket_start.between(min(k[3] for k in keys), max(k[3] for k in keys)),
        )
        .order_by(table.c.user_id, table.c.methodology_id, table.c.period, table.c.bucket_start)
        .with_for_update()
    )
    usage: dict[tuple[int, int], dict[Bucket, list[int]]] = defaultdict(dict)
    for row in session().execute(stmt):
        if (row.user_id, row.methodology_id, row.period, row.bucket_start) in keys:
            usage[(row.user_id, row.methodology_id)][Bucket(row.period, row.bucket_start)] = [
                row.grams,
                row.quantity_milli,
                row.records,
            ]
    return usage


def _write_usage(usage: dict[tuple[int, int], dict[Bucket, list[int]]]) -> None:
    """Store the new totals; one multi-row upsert instead of an UPDATE per row (the rows are
    already locked by this transaction, so writing absolute values is safe)."""
    rows = [
        {"user_id": u, "methodology_id": m, "period": bucket.period, "bucket_start": bucket.start}
        | {"grams": g, "quantity_milli": q, "records": r}
        for (u, m), buckets in usage.items()
        for bucket, (g, q, r) in buckets.items()
    ]
    if not rows:
        return
    insert_stmt = _insert_dialect().insert(cast(Table, CapUsage.__table__))
    session().execute(
        insert_stmt.on_conflict_do_update(
            index_elements=["user_id", "methodology_id", "period", "bucket_start"],
            set_={
                "grams": insert_stmt.excluded.grams,
                "quantity_milli": insert_stmt.excluded.quantity_milli,
                "records": insert_stmt.excluded.records,
            },
        ),
        rows,
    )


def _reject(record: BehaviorRecord, reason: str) -> None:
    record.status = RecordStatus.REJECTED.value
    record.review_reason = reason[:2000]


def _run_batch(
    versions: FiledVersions, points_per_kg: int, limit: int, report: QuantifyReport
) -> int:
    with transaction():
        records = _claim(limit)
        if not records:
            return 0
        versions.load({r.methodology_id for r in records})
        quantified: list[tuple[BehaviorRecord, MethodologyVersion, VersionSpec, Any]] = []
        for record in records:
            found = versions.in_force(record.methodology_id, record.occurred_at)
            if found is None:
                _reject(record, "No filed methodology version was in force at that time.")
                report.rejected += 1
                continue
            version, spec = found
            try:
                result = quantify(
                    spec,
                    Decimal(record.quantity_milli) / QUANTITY_SCALE,
                    record.unit,
                    {k: Decimal(v) for k, v in record.parameters.items()},
                )
            except (FormulaError, ParameterError, UnitMismatch, ValueError) as error:
                _reject(record, f"Could not be quantified: {error}")
                report.rejected += 1
                continue
            quantified.append((record, version, spec, result))

        groups: dict[
            tuple[int, int], list[tuple[BehaviorRecord, MethodologyVersion, VersionSpec, Any]]
        ] = defaultdict(list)
        for item in quantified:
            groups[(item[0].user_id, item[0].methodology_id)].append(item)
        usage_keys: set[UsageKey] = {
            (user_id, methodology_id, bucket.period, bucket.start)
            for (user_id, methodology_id), items in groups.items()
            for item in items
            for bucket in buckets_for(item[0].occurred_at)
        }
        usage = _lock_usage(usage_keys)
        accounts = ensure_user_accounts({user_id for user_id, _ in groups})
        issuance = issuance_account_id()

        reductions: list[dict[str, Any]] = []
        postings: list[Posting] = []
        done_ids: list[int] = []
        now = utcnow()
        for (user_id, methodology_id), items in groups.items():
            # All records of one person and methodology share the caps of the version in force
            # at each record's time; versions rarely change within a batch, so use each one's.
            by_id = {item[0].id: item for item in items}
            group_usage = usage[(user_id, methodology_id)]
            prior = EngineCapUsage(
                used={
                    bucket: Usage(grams=g, quantity=Decimal(q) / QUANTITY_SCALE, records=r)
                    for bucket, (g, q, r) in group_usage.items()
                }
            )
            caps = items[-1][2].caps
            cap_results = apply_caps(
                [
                    CapInput(
                        record_id=record.id,
                        occurred_at=record.occurred_at,
                        gross_grams=result.gross_grams,
                        quantity=result.activity_quantity,
                    )
                    for record, _version, _spec, result in items
                ],
                caps,
                prior,
            )
            for capped in cap_results:
                record, version, _spec, result = by_id[capped.record_id]
                points = capped.net_grams * points_per_kg // 1000
                credited_milli = int(capped.credited_quantity * QUANTITY_SCALE)
                for bucket in buckets_for(record.occurred_at):
                    values = group_usage[bucket]
                    values[0] += capped.net_grams
                    values[1] += credited_milli
                    values[2] += int(capped.is_counted)
                reductions.append(
                    {
                        "record_id": record.id,
                        "user_id": user_id,
                        "methodology_id": methodology_id,
                        "version_id": version.id,
                        "occurred_at": record.occurred_at,
                        "gross_grams": capped.gross_grams,
                        "capped_grams": capped.capped_grams,
                        "net_grams": capped.net_grams,
                        "points": points,
                        "capped_by": f"{capped.capped_by}:{capped.capped_limit}"
                        if capped.capped_by
                        else None,
                        "credited_quantity_milli": credited_milli,
                        "is_counted": capped.is_counted,
                        "is_saleable": version.is_saleable,
                        "formula": result.formula,
                        "parameters": {k: str(v) for k, v in result.parameters.items()},
                        "factor_snapshot": dict(result.factor_snapshot),
                        "created_at": now,
                    }
                )
                if points > 0:
                    postings.append(
                        Posting(
                            idempotency_key=f"reduction:record:{record.id}",
                            kind="reduction_credit",
                            entries=((issuance, -points), (accounts[user_id], points)),
                            memo={"record_id": record.id, "grams": capped.net_grams},
                        )
                    )
                done_ids.append(record.id)
                report.quantified += 1
                report.net_grams += capped.net_grams
                report.points += points
        if reductions:
            table = cast(Table, Reduction.__table__)
            session().execute(insert(table), reductions)
            session().execute(
                update(BehaviorRecord)
                .where(BehaviorRecord.id.in_(done_ids))
                .values(status=RecordStatus.QUANTIFIED.value)
                .execution_options(synchronize_session=False)
            )
        _write_usage(usage)
        if postings:
            append(postings)
        report.batches += 1
        return len(records)


def quantify_pending(
    *, points_per_kg: int, batch_size: int = BATCH_SIZE, max_batches: int | None = None
) -> QuantifyReport:
    """Quantify every pending record, a batch (one transaction) at a time.

    ``points_per_kg`` is the platform setting (1000 = one point per gram). Runs until no pending
    record is left or ``max_batches`` batches are done. Safe to run twice at once and to kill.
    """
    if points_per_kg <= 0:
        raise ValueError("points_per_kg must be a positive integer")
    versions = FiledVersions()
    report = QuantifyReport()
    while max_batches is None or report.batches < max_batches:
        if _run_batch(versions, points_per_kg, batch_size, report) == 0:
            break
    return report
