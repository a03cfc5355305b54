"""The quantify job: pending behaviour records become reductions and carbon points.

Each batch is one database transaction: claim pending records (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two runners never take the same record; SQLite's ``BEGIN IMMEDIATE`` serialises
writers), quantify each by the version in force at its ``occurred_at``, apply the person's caps
in order of ``occurred_at`` against the locked cap-usage rows, write the reductions, mark the
records and credit the points through the ledger. Killing the job at any point rolls back the
open batch: nothing is credited twice and no record is lost.

Points are credited by one ledger posting per batch — one entry per citizen (the sum of their
reductions' points) against the issuance account — and every reduction stores the id of that
ledger transaction. A reduction is written at most once per record (unique ``record_id``) and
in the same transaction as its credit, so each reduction is credited exactly once; the posting's
idempotency key names the batch's records.

The work per batch is a fixed handful of statements whatever its size: on PostgreSQL the rows
are written with COPY and the per-row updates go through arrays (``unnest``), so the job costs
little more than writing its output.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Date,
    Row,
    String,
    Table,
    bindparam,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from portal.activities.models import (
    BehaviorRecord,
    CapUsage,
    FactorSnapshot,
    RecordStatus,
    Reduction,
)
from portal.activities.rules import QUANTITY_SCALE
from portal.db import bulk_insert, in_ids, session, transaction, utcnow
from portal.ledger.services import Posting, append, ensure_user_accounts, issuance_account_id
from portal.methodology.engine import (
    Bucket,
    CapInput,
    CapResult,
    FormulaError,
    ParameterError,
    Quantification,
    Quantifier,
    Usage,
    apply_caps,
    buckets_for,
)
from portal.methodology.engine import (
    CapUsage as EngineCapUsage,
)
from portal.methodology.models import Methodology, MethodologyStatus, MethodologyVersion
from portal.methodology.queries import FiledVersions
from portal.methodology.stored import VersionSpec
from portal.methodology.units import UnitMismatch

BATCH_SIZE = 5000

_RECORDS = cast(Table, BehaviorRecord.__table__)
_USAGE = cast(Table, CapUsage.__table__)
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

UsageKey = tuple[int, int, str, date]  # user, methodology, period, bucket start


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


@dataclass(slots=True)
class _Item:
    """One claimed record on its way to a reduction."""

    record_id: int
    user_id: int
    methodology_id: int
    occurred_at: datetime
    version: MethodologyVersion
    spec: VersionSpec
    result: Quantification
    buckets: tuple[Bucket, Bucket, Bucket]
    capped: CapResult | None = None


def _is_postgresql() -> bool:
    return session().get_bind().dialect.name == "postgresql"


def _claim(limit: int, after: int) -> list[Row[Any]]:
    """Pending records of methodologies not suspended, oldest first from id ``after`` on,
    locked for this batch.

    Starting after the previous batch's last id keeps the index scan off the entries the run
    has just moved out of ``pending`` (dead until vacuumed), so a batch costs the same at the
    end of a long run as at its start. A record skipped that way (pending again after review,
    or locked by another runner) is taken by the next run.
    """
    suspended = select(Methodology.id).where(
        Methodology.status == MethodologyStatus.SUSPENDED.value
    )
    c = _RECORDS.c
    stmt = (
        select(c.id, c.user_id, c.methodology_id, c.quantity_milli, c.unit, c.parameters)
        .add_columns(c.occurred_at)
        .where(
            c.status == RecordStatus.PENDING.value,
            c.id > after,
            c.methodology_id.not_in(suspended),
        )
        .order_by(c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=_RECORDS)
    )
    return list(session().execute(stmt))


# PostgreSQL: make sure a usage row exists for every key and lock it, in one statement. The
# no-op DO UPDATE locks existing rows (and RETURNING reads them); keys arrive sorted, so two
# runners lock in the same order and never deadlock.
_KEY_COLUMNS = ("user_id", "methodology_id", "period", "bucket_start")
_KEY_ARRAYS = (
    bindparam("users", type_=postgresql.ARRAY(BigInteger)),
    bindparam("methodologies", type_=postgresql.ARRAY(BigInteger)),
    bindparam("periods", type_=postgresql.ARRAY(String)),
    bindparam("starts", type_=postgresql.ARRAY(Date)),
)
_USAGE_KEYS = func.unnest(*_KEY_ARRAYS).table_valued(*_KEY_COLUMNS).render_derived()
_LOCK_USAGE_PG = (
    postgresql.insert(_USAGE)
    .from_select(
        [*_KEY_COLUMNS, "grams", "quantity_milli", "records"],
        select(*(_USAGE_KEYS.c[name] for name in _KEY_COLUMNS), literal(0), literal(0), literal(0)),
    )
    .on_conflict_do_update(index_elements=list(_KEY_COLUMNS), set_={"records": _USAGE.c.records})
    .returning(
        *(_USAGE.c[name] for name in _KEY_COLUMNS),
        _USAGE.c.grams,
        _USAGE.c.quantity_milli,
        _USAGE.c.records,
    )
)
_NEW_USAGE = (
    func.unnest(
        *_KEY_ARRAYS,
        bindparam("grams", type_=postgresql.ARRAY(BigInteger)),
        bindparam("quantities", type_=postgresql.ARRAY(BigInteger)),
        bindparam("records", type_=postgresql.ARRAY(BigInteger)),
    )
    .table_valued(*_KEY_COLUMNS, "grams", "quantity_milli", "records")
    .render_derived()
)
_WRITE_USAGE_PG = (
    update(_USAGE)
    .where(*(_USAGE.c[name] == _NEW_USAGE.c[name] for name in _KEY_COLUMNS))
    .values(
        grams=_NEW_USAGE.c.grams,
        quantity_milli=_NEW_USAGE.c.quantity_milli,
        records=_NEW_USAGE.c.records,
    )
)


def _key_arrays(keys: list[UsageKey]) -> dict[str, list[Any]]:
    users, methodologies, periods, starts = zip(*keys, strict=True)
    return {
        "users": list(users),
        "methodologies": list(methodologies),
        "periods": list(periods),
        "starts": list(starts),
    }


def _lock_usage(keys: set[UsageKey]) -> dict[UsageKey, list[int]]:
    """Make sure a usage row exists for every key, lock them all in key order and return their
    values — [grams, quantity_milli, records] — for updating in place."""
    if not keys:
        return {}
    ordered = sorted(keys)
    if _is_postgresql():
        rows = session().execute(_LOCK_USAGE_PG, _key_arrays(ordered))
    else:
        # SQLite holds the writer lock already (BEGIN IMMEDIATE): create, then read.
        session().execute(
            sqlite.insert(_USAGE).on_conflict_do_nothing(),
            [dict(zip(_KEY_COLUMNS, key, strict=True)) for key in ordered],
        )
        rows = session().execute(
            select(_USAGE).where(
                _USAGE.c.user_id.in_({k[0] for k in ordered}),
                _USAGE.c.methodology_id.in_({k[1] for k in ordered}),
                _USAGE.c.bucket_start.between(
                    min(k[3] for k in ordered), max(k[3] for k in ordered)
                ),
            )
        )
    usage: dict[UsageKey, list[int]] = {}
    for row in rows:
        key = (row.user_id, row.methodology_id, row.period, row.bucket_start)
        if key in keys:
            usage[key] = [row.grams, row.quantity_milli, row.records]
    return usage


def _write_usage(usage: dict[UsageKey, list[int]]) -> None:
    """Store the new totals (the rows are locked by this transaction, so absolute values are
    safe): one statement on PostgreSQL, one executemany on SQLite."""
    if not usage:
        return
    keys = sorted(usage)
    if _is_postgresql():
        session().execute(
            _WRITE_USAGE_PG,
            _key_arrays(keys)
            | {
                "grams": [usage[k][0] for k in keys],
                "quantities": [usage[k][1] for k in keys],
                "records": [usage[k][2] for k in keys],
            },
        )
        return
    session().execute(
        update(_USAGE)
        .where(*(_USAGE.c[name] == bindparam(f"k_{name}") for name in _KEY_COLUMNS))
        .values(
            grams=bindparam("grams"),
            quantity_milli=bindparam("quantity_milli"),
            records=bindparam("records"),
        ),
        [
            {f"k_{name}": value for name, value in zip(_KEY_COLUMNS, key, strict=True)}
            | {"grams": g, "quantity_milli": q, "records": r}
            for key in keys
            for g, q, r in [usage[key]]
        ],
    )


def _mark_quantified(record_ids: list[int]) -> None:
    session().execute(
        update(_RECORDS)
        .where(in_ids(_RECORDS.c.id, record_ids))
        .values(status=RecordStatus.QUANTIFIED.value)
    )


def _reject(rejected: list[tuple[int, str]]) -> None:
    if not rejected:
        return
    session().execute(
        update(_RECORDS)
        .where(_RECORDS.c.id == bindparam("record_id"))
        .values(status=RecordStatus.REJECTED.value, review_reason=bindparam("reason")),
        [{"record_id": record_id, "reason": reason[:2000]} for record_id, reason in rejected],
    )


def _quantify_claimed(
    rows: list[Row[Any]], versions: FiledVersions, quantifiers: dict[int, Quantifier | str]
) -> tuple[list[_Item], list[tuple[int, str]]]:
    """Quantify each claimed record by the version in force at its time (before caps)."""
    versions.load({row.methodology_id for row in rows})
    items: list[_Item] = []
    rejected: list[tuple[int, str]] = []
    for row in rows:
        found = versions.in_force(row.methodology_id, row.occurred_at)
        if found is None:
            rejected.append((row.id, "No filed methodology version was in force at that time."))
            continue
        version, spec = found
        quantifier = quantifiers.get(version.id)
        if quantifier is None:
            try:
                quantifier = Quantifier(spec)
            except FormulaError as error:
                quantifier = str(error)
            quantifiers[version.id] = quantifier
        try:
            if isinstance(quantifier, str):
                raise FormulaError(quantifier)
            result = quantifier(
                Decimal(row.quantity_milli) / QUANTITY_SCALE,
                row.unit,
                {k: Decimal(v) for k, v in row.parameters.items()},
            )
        except (FormulaError, ParameterError, UnitMismatch, ValueError) as error:
            rejected.append((row.id, f"Could not be quantified: {error}"))
            continue
        items.append(
            _Item(
                row.id,
                row.user_id,
                row.methodology_id,
                row.occurred_at,
                version,
                spec,
                result,
                buckets_for(row.occurred_at),
            )
        )
    return items, rejected


def _apply_caps(items: list[_Item]) -> dict[UsageKey, list[int]]:
    """Cap each person's records per methodology in time order against the locked usage rows;
    set each item's ``capped`` and return the updated usage.

    Usage is kept only for the periods the version in force caps (a version that caps a new
    period counts from its effective date); a batch spanning two versions caps each record by
    its own version's limits.
    """
    tracked: dict[int, tuple[str, ...]] = {}
    groups: dict[tuple[int, int], list[_Item]] = defaultdict(list)
    keys: set[UsageKey] = set()
    for item in items:
        periods = tracked.get(item.version.id)
        if periods is None:
            periods = tracked[item.version.id] = item.spec.caps.capped_periods()
        groups[(item.user_id, item.methodology_id)].append(item)
        for bucket in item.buckets:
            if bucket.period in periods:
                keys.add((item.user_id, item.methodology_id, bucket.period, bucket.start))
    usage = _lock_usage(keys)
    for (user_id, methodology_id), group in groups.items():
        group.sort(key=lambda item: (item.occurred_at, item.record_id))
        start = 0
        while start < len(group):  # consecutive runs of one version (versions follow in time)
            version_id = group[start].version.id
            end = start + 1
            while end < len(group) and group[end].version.id == version_id:
                end += 1
            run, periods = group[start:end], tracked[version_id]
            prior: dict[Bucket, Usage] = {}
            for item in run:
                for bucket in item.buckets:
                    if bucket.period in periods and bucket not in prior:
                        g, q, r = usage[(user_id, methodology_id, bucket.period, bucket.start)]
                        prior[bucket] = Usage(g, Decimal(q) / QUANTITY_SCALE, r)
            by_id = {item.record_id: item for item in run}
            inputs = [
                CapInput(
                    item.record_id,
                    item.occurred_at,
                    item.result.gross_grams,
                    item.result.activity_quantity,
                )
                for item in run
            ]
            for capped in apply_caps(inputs, run[0].spec.caps, EngineCapUsage(prior)):
                item = by_id[capped.record_id]
                item.capped = capped
                if not periods:
                    continue
                credited_milli = int(capped.credited_quantity * QUANTITY_SCALE)
                for bucket in item.buckets:
                    if bucket.period in periods:
                        values = usage[(user_id, methodology_id, bucket.period, bucket.start)]
                        values[0] += capped.net_grams
                        values[1] += credited_milli
                        values[2] += int(capped.is_counted)
            start = end
    return usage


def _credit(items: list[_Item], points_per_kg: int) -> tuple[int | None, dict[int, int]]:
    """Post the batch's points: one ledger transaction, one entry per citizen. Returns its id
    (None when no record earned a point) and the points per record."""
    points = {
        item.record_id: cast(CapResult, item.capped).net_grams * points_per_kg // 1000
        for item in items
    }
    per_user: dict[int, int] = defaultdict(int)
    for item in items:
        per_user[item.user_id] += points[item.record_id]
    per_user = {user_id: total for user_id, total in per_user.items() if total > 0}
    if not per_user:
        return None, points
    accounts = ensure_user_accounts(per_user)
    total = sum(per_user.values())
    record_ids = sorted(points)
    digest = hashlib.sha256(",".join(map(str, record_ids)).encode()).hexdigest()
    posting = Posting(
        idempotency_key=f"reduction:records:{record_ids[0]}-{record_ids[-1]}:{digest[:32]}",
        kind="reduction_credit",
        entries=(
            (issuance_account_id(), -total),
            *((accounts[user_id], amount) for user_id, amount in sorted(per_user.items())),
        ),
        memo={
            "records": len(record_ids),
            "first_record": record_ids[0],
            "last_record": record_ids[-1],
            "record_digest": digest,
        },
    )
    return append([posting])[0], points


def _snapshot_id(result: Quantification) -> int:
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
    dialect = postgresql if _is_postgresql() else sqlite
    table = cast(Table, FactorSnapshot.__table__)
    session().execute(
        dialect.insert(table)
        .values(sha256=digest, formula=result.formula, factors=factors, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return int(session().execute(select(table.c.id).where(table.c.sha256 == digest)).scalar_one())


def _run_batch(
    versions: FiledVersions,
    quantifiers: dict[int, Quantifier | str],
    snapshots: dict[int, int],
    points_per_kg: int,
    limit: int,
    after: int,
    report: QuantifyReport,
) -> int | None:
    """Quantify one batch; return the last record id claimed, or None when none was left."""
    with transaction():
        rows = _claim(limit, after)
        if not rows:
            return None
        items, rejected = _quantify_claimed(rows, versions, quantifiers)
        _reject(rejected)
        report.rejected += len(rejected)
        usage = _apply_caps(items)
        transaction_id, points = _credit(items, points_per_kg)
        now = utcnow()
        reductions = []
        for item in items:
            capped = cast(CapResult, item.capped)
            version = item.version
            if version.id not in snapshots:
                snapshots[version.id] = _snapshot_id(item.result)
            user_points = points[item.record_id]
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
                    user_points,
                    f"{capped.capped_by}:{capped.capped_limit}" if capped.capped_by else None,
                    int(capped.credited_quantity * QUANTITY_SCALE),
                    capped.is_counted,
                    version.is_saleable,
                    {k: str(v) for k, v in item.result.parameters.items()},
                    snapshots[version.id],
                    transaction_id if user_points else None,
                    now,
                )
            )
            report.net_grams += capped.net_grams
            report.points += user_points
        bulk_insert(_REDUCTIONS, _REDUCTION_COLUMNS, reductions)
        if items:
            _mark_quantified([item.record_id for item in items])
        _write_usage(usage)
        report.quantified += len(items)
        report.batches += 1
        return int(rows[-1].id)


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
    quantifiers: dict[int, Quantifier | str] = {}
    snapshots: dict[int, int] = {}  # version id → factor snapshot id
    report = QuantifyReport()
    after = 0
    while max_batches is None or report.batches < max_batches:
        last = _run_batch(
            versions, quantifiers, snapshots, points_per_kg, batch_size, after, report
        )
        if last is None:
            break
        after = last
    return report
