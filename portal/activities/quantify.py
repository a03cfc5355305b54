"""The quantify job: pending behaviour records become reductions and carbon points.

Each batch is one database transaction: claim pending records person by person
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runners never take the same record; SQLite's
``BEGIN IMMEDIATE`` serialises writers), quantify each by the version in force at its
``occurred_at``, apply the person's caps in order of ``occurred_at`` against their cap usage,
write the reductions, mark the records and credit the points through the ledger. Killing the
job at any point rolls back the open batch: nothing is credited twice and no record is lost.

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

import gc
import hashlib
import json
import multiprocessing
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, cast

from flask import current_app
from sqlalchemy import (
    Table,
    Text,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnClause, ColumnElement

from portal.activities.models import (
    BehaviorRecord,
    CapUsage,
    FactorSnapshot,
    RecordQueue,
    RecordStatus,
    Reduction,
)
from portal.activities.rules import QUANTITY_SCALE
from portal.clock import utcnow
from portal.db import (
    DEADLOCK,
    UNIQUE_VIOLATION,
    DateArray,
    IntArray,
    TextArray,
    bulk_insert,
    session,
    transaction,
)
from portal.ledger.services import Posting, append, ensure_user_accounts, issuance_account_id
from portal.methodology.engine import (
    NO_USAGE,
    PERIODS,
    QUANTITY_NAME,
    Bucket,
    CapInput,
    CapResult,
    Caps,
    FormulaError,
    ParameterError,
    PriorUsage,
    Quantification,
    Quantifier,
    Usage,
    apply_caps,
    buckets_for,
)
from portal.methodology.models import Methodology, MethodologyStatus, MethodologyVersion
from portal.methodology.queries import FiledVersions
from portal.methodology.units import UnitMismatch
from portal.methodology.versions import VersionSpec

BATCH_SIZE = 5000
# One record may reduce at most 1,000 t CO2e: far above any personal behaviour, and low enough
# that grams, points and balances stay 64-bit integers whatever a filed formula computes.
MAX_GRAMS = 10**12

_RECORDS = cast(Table, BehaviorRecord.__table__)
_QUEUE = cast(Table, RecordQueue.__table__)
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
UsageRow = tuple[int, int, int]  # grams, quantity_milli, records
_NO_ROW: UsageRow = (0, 0, 0)  # what a key without a stored row has used


@dataclass
class QuantifyReport:
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


@dataclass(slots=True)
class _Version:
    """What the job needs of one methodology version, prepared once per run."""

    id: int
    effective_from: datetime
    effective_to: datetime | None
    is_saleable: bool
    caps: Caps
    # Where the periods its caps limit sit in a buckets_for() tuple: usage is kept for these
    # only.
    capped: tuple[int, ...]
    quantifier: Quantifier | None  # None when its formula is broken (``error`` says how)
    error: str = ""
    # Record parameters as JSON text → the stored parameters' JSON after the quantity.
    parameters_tail: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, version: MethodologyVersion, spec: VersionSpec) -> _Version:
        caps = spec.caps
        try:
            quantifier, error = Quantifier(spec), ""
        except FormulaError as exc:
            quantifier, error = None, str(exc)
        return cls(
            version.id,
            version.effective_from,
            version.effective_to,
            version.is_saleable,
            caps,
            tuple(PERIODS.index(period) for period in caps.capped_periods()),
            quantifier,
            error,
        )

    def parameters_json(self, result: Quantification, given: str) -> str:
        """The parameters a reduction stores (``Q`` and the record's, defaults applied, as
        decimal strings) as JSON text, exactly as ``json.dumps`` writes them. Only ``Q``
        differs between records with the same parameters, so the rest is serialised once."""
        tail = self.parameters_tail.get(given)
        if tail is None:
            rest = {k: str(v) for k, v in result.parameters.items() if k != QUANTITY_NAME}
            tail = self.parameters_tail[given] = json.dumps(rest)[1:] if rest else "}"
        # A finite Decimal's text is digits, sign, point and exponent: nothing to escape.
        quantity = f'{{"{QUANTITY_NAME}": "{result.activity_quantity}"'
        return quantity + (f", {tail}" if tail != "}" else tail)


class _Run:
    """What one run keeps from batch to batch: the filed versions prepared per methodology,
    record parameters parsed per JSON text (most records share a handful of parameter sets),
    factor snapshot ids per version and points account ids per user."""

    def __init__(self, points_per_kg: int) -> None:
        self.points_per_kg = points_per_kg
        self._filed = FiledVersions()
        self._versions: dict[int, list[_Version]] = {}
        self.parameters: dict[str, dict[str, Decimal]] = {}
        self.snapshots: dict[int, int] = {}
        self.accounts: dict[int, int] = {}

    def forget_writes(self) -> None:
        """After a rolled-back batch, forget the snapshot and account ids learnt since the
        last commit: rows the batch stored are gone. (``UsageMoved`` comes before either is
        written today; this keeps a reordering of the batch from making that matter.)"""
        self.snapshots.clear()
        self.accounts.clear()

    def load(self, methodology_ids: set[int]) -> None:
        missing = methodology_ids - self._versions.keys()
        if missing:
            self._filed.load(missing)
            for methodology_id in missing:
                self._versions[methodology_id] = [
                    _Version.of(version, spec) for version, spec in self._filed.of(methodology_id)
                ]

    def version_at(self, methodology_id: int, at: datetime) -> _Version | None:
        """The version of a loaded methodology in force at ``at`` (as FiledVersions.in_force)."""
        for version in self._versions[methodology_id]:
            if version.effective_from <= at and (
                version.effective_to is None or at < version.effective_to
            ):
                return version
        return None


@dataclass(slots=True)
class _Item:
    """One claimed record on its way to a reduction."""

    record_id: int
    user_id: int
    methodology_id: int
    occurred_at: datetime
    parameters: str  # as JSON text
    version: _Version
    result: Quantification
    buckets: tuple[Bucket, Bucket, Bucket]
    capped: CapResult | None = None
    credited_milli: int = 0
    points: int = 0


def _is_postgresql() -> bool:
    return session().get_bind().dialect.name == "postgresql"


Cursor = tuple[int, int]  # (user id, record id) of the last queue row a batch read


def _claim(
    limit: int, after: Cursor, share: tuple[int, int] | None
) -> tuple[Cursor | None, Sequence[Sequence[Any]]]:
    """Take the next pending records of methodologies not suspended, person by person (in order
    of user id, then record id) from ``after`` on: mark them quantified and take them out of the
    queue. Return the last queue row read (None when the queue holds nothing after ``after``)
    and the records taken, in that order, as (id, user, methodology, quantity_milli, unit,
    parameters as JSON text, occurred_at). A record the batch then rejects is marked again; a
    batch that fails rolls back, so its records are pending and queued again.

    Read the next ``limit`` queue rows; mark those records quantified that are still pending,
    locking them (``FOR NO KEY UPDATE SKIP LOCKED``: a record another transaction holds, such as
    a runner's or an official's review, is left to a later run); delete the queue rows of the
    records marked, and of any record read that is no longer pending (a row nothing else would
    remove: only this job moves a record from pending to quantified without the triggers
    taking it out of the queue). Records are locked before their queue rows, as by the triggers
    that write the queue, so the two never wait on each other the other way round.

    Person by person: a citizen's backlog (up to a batch of it) is capped in one batch, in time
    order, and credited by one ledger entry instead of one per batch it would otherwise be
    spread over; and a batch's writes to the indexes kept per person (reductions, cap usage,
    ledger entries) fall in one narrow range of keys. A backlog longer than a batch is capped
    batch by batch in record order, as records always were across batches.

    Starting after the previous batch's last queue row keeps the index scan off the rows the
    run has just deleted (dead until vacuumed), so a batch costs the same at the end of a long
    run as at its start. A record skipped that way (new for a person already passed, pending
    again after review, or locked by another transaction) is taken by the next run. ``share`` =
    (k, n) takes only the records of users whose id is k modulo n: parallel workers then never
    cap the same person.
    """
    postgresql = _is_postgresql()
    q = _QUEUE.c
    suspended = select(Methodology.id).where(
        Methodology.status == MethodologyStatus.SUSPENDED.value
    )
    position = tuple_(q.user_id, q.record_id)
    waiting = [
        q.queue == RecordStatus.PENDING.value,
        position > tuple_(*after),
        q.methodology_id.not_in(suspended),
    ]
    if share is not None:
        waiting.append(q.user_id % share[1] == share[0])
    queued = (
        session()
        .execute(select(q.user_id, q.record_id).where(*waiting).order_by(*position).limit(limit))
        .all()
    )
    if not queued:
        return None, []
    last_user, last_id = queued[-1]
    last = (int(last_user), int(last_id))
    read = [*waiting, position <= tuple_(*last)]  # the queue rows just read
    rows = _take(read, [row[1] for row in queued]) if postgresql else _take_sqlite(read)
    return last, sorted(rows, key=itemgetter(1, 0))


_CLAIM = update(_RECORDS).values(status=RecordStatus.QUANTIFIED.value)
_PENDING = _RECORDS.c.status == RecordStatus.PENDING.value
# What the batch needs of each record taken.
_TAKEN = (
    _RECORDS.c.id,
    _RECORDS.c.user_id,
    _RECORDS.c.methodology_id,
    _RECORDS.c.quantity_milli,
    _RECORDS.c.unit,
    _RECORDS.c.parameters.cast(Text),  # parsed once per distinct text
    _RECORDS.c.occurred_at,
)


def _take_sqlite(read: list[ColumnElement[bool]]) -> Sequence[Sequence[Any]]:
    """SQLite: this transaction is the only writer, so every record read is taken or no longer
    pending, and each queue row read goes."""
    queued = select(_QUEUE.c.record_id).where(*read)
    claim = _CLAIM.where(_RECORDS.c.id.in_(queued), _PENDING).returning(*_TAKEN)
    rows = session().execute(claim).all()
    session().execute(delete(_QUEUE).where(*read))
    return rows


def _take(read: list[ColumnElement[bool]], ids: list[int]) -> Sequence[Sequence[Any]]:
    """PostgreSQL: take the records ``ids`` (the queue rows ``read``) that are still pending and
    not held by another transaction, and delete their queue rows and those of records read that
    are no longer pending."""
    c = _RECORDS.c
    # The records are found by primary key (the ids sent as one array), locked, and then
    # updated where the lock found them (a TID scan, not a second index search).
    ctid: ColumnClause[Any] = literal_column("ctid")
    lockable = (
        select(ctid)
        .where(c.id == any_(bindparam("ids", type_=IntArray())), _PENDING)
        .with_for_update(skip_locked=True, key_share=True)
    )
    claim = _CLAIM.where(ctid == any_(func.array(lockable.scalar_subquery())))
    rows = session().execute(claim.returning(*_TAKEN), {"ids": ids}).all()
    done = [row[0] for row in rows]
    if len(done) < len(ids):
        # Read but not taken: held by another transaction, or no longer pending (then its
        # queue row goes too, once its record is locked so that nothing queues it meanwhile).
        taken = set(done)
        left = (
            select(c.id)
            .where(c.id.in_([i for i in ids if i not in taken]), ~_PENDING)
            .with_for_update(skip_locked=True, key_share=True)
        )
        done += session().scalars(left)
    if done:
        # Within the range read (the primary key's index finds it in one pass), the ids done.
        # IN (SELECT unnest(…)), hashed, not = ANY(…): once psycopg has prepared the statement
        # (from its fifth run) the server may plan it for any array, and then = ANY would scan
        # the array for each row, 5,000 × 5,000 comparisons.
        done_ids = select(func.unnest(bindparam("done", type_=IntArray())))
        session().execute(
            delete(_QUEUE).where(*read, _QUEUE.c.record_id.in_(done_ids)), {"done": done}
        )
    return rows


# PostgreSQL: the usage rows of a batch's keys, read in one statement; the batch's increments
# added to the rows read in one upsert that checks the new totals, and the other rows inserted.
_KEY_COLUMNS = ("user_id", "methodology_id", "period", "bucket_start")
_KEY_ARRAYS = (
    bindparam("users", type_=IntArray()),
    bindparam("methodologies", type_=IntArray()),
    bindparam("periods", type_=TextArray()),
    bindparam("starts", type_=DateArray()),
)
_USAGE_KEYS = func.unnest(*_KEY_ARRAYS).table_valued(*_KEY_COLUMNS).render_derived()
_VALUE_COLUMNS = ("grams", "quantity_milli", "records")
_USAGE_ROW = [_USAGE.c[name] for name in (*_KEY_COLUMNS, *_VALUE_COLUMNS)]
_READ_USAGE_PG = select(*_USAGE_ROW).join(
    _USAGE_KEYS, and_(*(_USAGE.c[name] == _USAGE_KEYS.c[name] for name in _KEY_COLUMNS))
)
_TOTAL_COLUMNS = ("total_grams", "total_quantity_milli", "total_records")
_VALUE_ARRAYS = (
    bindparam("grams", type_=IntArray()),
    bindparam("quantities", type_=IntArray()),
    bindparam("records", type_=IntArray()),
)
# Rows no runner had stored when the batch read them, in key order.
_FRESH = func.unnest(*_KEY_ARRAYS, *_VALUE_ARRAYS).table_valued(*_KEY_COLUMNS, *_VALUE_COLUMNS)
_INSERT_USAGE_PG = insert(_USAGE).from_select(
    [*_KEY_COLUMNS, *_VALUE_COLUMNS], select(*_FRESH.render_derived().c)
)
# The batch's increments to stored rows and the totals it expects, in key order.
_GIVEN = select(
    func.unnest(
        *_KEY_ARRAYS,
        *_VALUE_ARRAYS,
        bindparam("total_grams", type_=IntArray()),
        bindparam("total_quantities", type_=IntArray()),
        bindparam("total_records", type_=IntArray()),
    )
    .table_valued(*_KEY_COLUMNS, *_VALUE_COLUMNS, *_TOTAL_COLUMNS)
    .render_derived()
).cte("given")
_NEW_USAGE = postgresql.insert(_USAGE).from_select(
    [*_KEY_COLUMNS, *_VALUE_COLUMNS],
    select(*(_GIVEN.c[n] for n in (*_KEY_COLUMNS, *_VALUE_COLUMNS))),
)
_ADDED = (
    _NEW_USAGE.on_conflict_do_update(
        index_elements=list(_KEY_COLUMNS),
        set_={name: _USAGE.c[name] + _NEW_USAGE.excluded[name] for name in _VALUE_COLUMNS},
    )
    .returning(*_USAGE_ROW)
    .cte("added")
)
# The upsert, answering with the keys whose new totals are not what the batch expected.
_ADD_USAGE_PG = (
    select(*(_ADDED.c[name] for name in _KEY_COLUMNS))
    .join_from(_ADDED, _GIVEN, and_(*(_ADDED.c[n] == _GIVEN.c[n] for n in _KEY_COLUMNS)))
    .where(
        or_(
            *(
                _ADDED.c[value] != _GIVEN.c[total]
                for value, total in zip(_VALUE_COLUMNS, _TOTAL_COLUMNS, strict=True)
            )
        )
    )
    .limit(1)
)


class UsageMoved(Exception):
    """Another transaction changed a cap-usage row between this batch's read and its write; the
    batch is rolled back and run again."""


def _key_arrays(keys: list[UsageKey]) -> dict[str, list[Any]]:
    return {
        "users": [key[0] for key in keys],
        "methodologies": [key[1] for key in keys],
        "periods": [key[2] for key in keys],
        "starts": [key[3] for key in keys],
    }


def _read_usage(keys: set[UsageKey]) -> dict[UsageKey, UsageRow]:
    """The stored cap-usage rows of ``keys`` — (grams, quantity_milli, records) per key; a key
    without a row is left out — read without locking: ``_add_usage`` checks them when it
    writes."""
    if not keys:
        return {}
    if _is_postgresql():
        rows = session().execute(_READ_USAGE_PG, _key_arrays(sorted(keys)))
    else:
        rows = session().execute(
            select(*_USAGE_ROW).where(
                _USAGE.c.user_id.in_({k[0] for k in keys}),
                _USAGE.c.methodology_id.in_({k[1] for k in keys}),
                _USAGE.c.bucket_start.between(min(k[3] for k in keys), max(k[3] for k in keys)),
            )
        )
    stored = {}
    for user_id, methodology_id, period, start, grams, quantity, records in rows.all():
        key = (user_id, methodology_id, period, start)
        if key in keys:
            stored[key] = (grams, quantity, records)
    return stored


# Errors that mean another transaction wrote the batch's cap usage meanwhile: a row this batch
# inserts was stored (unique violation), or, rows being upserted and then inserted (each in key
# order, but not in one order across both), a runner doing the same waited on this one while
# this one waited on it (deadlock: PostgreSQL fails one of the two).
_MOVED_STATES = (UNIQUE_VIOLATION, DEADLOCK)


def _add_usage(read: dict[UsageKey, UsageRow], totals: dict[UsageKey, list[int]]) -> None:
    """Write each key's new usage: add its increment (``totals`` minus ``read``) to the rows
    read, and insert the rows not read (a plain insert: a quarter of the cost of an upsert).

    Every key that was read is written, even with a zero increment, so any change to a row the
    caps were computed from is seen. On PostgreSQL the upsert compares the new totals with the
    ones this batch computed and answers with a key that differs: then another transaction (a
    runner or a reversal) changed the row after it was read, and ``UsageMoved`` rolls the batch
    back to be run again; so do the errors of ``_MOVED_STATES``. On SQLite the writer lock held
    since ``BEGIN IMMEDIATE`` rules all that out.
    """
    if not totals:
        return
    keys = sorted(totals)
    if _is_postgresql():
        try:
            _write_usage_pg(read, totals, keys)
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) in _MOVED_STATES:
                raise UsageMoved(f"cap usage written meanwhile: {error.orig}") from error
            raise
        return
    upsert = sqlite.insert(_USAGE)
    session().execute(
        upsert.on_conflict_do_update(
            index_elements=list(_KEY_COLUMNS),
            set_={name: _USAGE.c[name] + upsert.excluded[name] for name in _VALUE_COLUMNS},
        ),
        [
            dict(zip(_KEY_COLUMNS, key, strict=True))
            | {
                name: total - before
                for name, total, before in zip(
                    _VALUE_COLUMNS, totals[key], read.get(key, _NO_ROW), strict=True
                )
            }
            for key in keys
        ],
    )


def _write_usage_pg(
    read: dict[UsageKey, UsageRow], totals: dict[UsageKey, list[int]], keys: list[UsageKey]
) -> None:
    stored = [key for key in keys if key in read]
    if stored:
        params = _key_arrays(stored)
        for index, name in enumerate(("grams", "quantities", "records")):
            params[name] = [totals[key][index] - read[key][index] for key in stored]
            params[f"total_{name}"] = [totals[key][index] for key in stored]
        moved = session().execute(_ADD_USAGE_PG, params).first()
        if moved is not None:
            raise UsageMoved(f"cap usage {tuple(moved)} changed while the batch was capped")
    new = [key for key in keys if key not in read]
    if new:
        params = _key_arrays(new)
        for index, name in enumerate(("grams", "quantities", "records")):
            params[name] = [totals[key][index] for key in new]
        session().execute(_INSERT_USAGE_PG, params)


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
    rows: Sequence[Sequence[Any]], run: _Run
) -> tuple[list[_Item], list[tuple[int, str]]]:
    """Quantify each claimed record by the version in force at its time (before caps)."""
    run.load({row[2] for row in rows})
    parameters = run.parameters
    items: list[_Item] = []
    rejected: list[tuple[int, str]] = []
    for record_id, user_id, methodology_id, quantity_milli, unit, params, occurred_at in rows:
        version = run.version_at(methodology_id, occurred_at)
        if version is None:
            rejected.append((record_id, "No filed methodology version was in force at that time."))
            continue
        try:
            if version.quantifier is None:
                raise FormulaError(version.error)
            given = parameters.get(params)
            if given is None:
                given = {k: Decimal(v) for k, v in json.loads(params).items()}
                parameters[params] = given
            result = version.quantifier(Decimal(quantity_milli) / QUANTITY_SCALE, unit, given)
        except (FormulaError, ParameterError, UnitMismatch, ValueError) as error:
            rejected.append((record_id, f"Could not be quantified: {error}"))
            continue
        if result.gross_grams > MAX_GRAMS:
            rejected.append(
                (
                    record_id,
                    f"Could not be quantified: {result.gross_grams} g is more than one "
                    f"record may reduce ({MAX_GRAMS} g).",
                )
            )
            continue
        items.append(
            _Item(
                record_id,
                user_id,
                methodology_id,
                occurred_at,
                params,
                version,
                result,
                buckets_for(occurred_at),
            )
        )
    return items, rejected


def _by_time(item: _Item) -> tuple[datetime, int]:
    return item.occurred_at, item.record_id


def _apply_caps(
    items: list[_Item],
) -> tuple[dict[UsageKey, UsageRow], dict[UsageKey, list[int]]]:
    """Cap each person's records per methodology in time order against their stored usage;
    set each item's ``capped`` and ``credited_milli`` and return the usage rows read (keys
    without a row left out) and the new totals of every key.

    Usage is kept only for the periods the version in force caps (a version that caps a new
    period counts from its effective date); a batch spanning two versions caps each record by
    its own version's limits.
    """
    groups: dict[tuple[int, int], list[_Item]] = {}
    keys: set[UsageKey] = set()
    for item in items:
        person = (item.user_id, item.methodology_id)
        group = groups.get(person)
        if group is None:
            groups[person] = [item]
        else:
            group.append(item)
        buckets = item.buckets
        for index in item.version.capped:
            keys.add((*person, *buckets[index]))
    read = _read_usage(keys)
    usage = {key: list(read.get(key, _NO_ROW)) for key in keys}
    for person, group in groups.items():
        if len(group) == 1:
            runs = [group]
        else:
            group.sort(key=_by_time)
            # Consecutive runs of one version (versions follow one another in time).
            runs = [list(run) for _, run in groupby(group, key=attrgetter("version"))]
        for run in runs:
            version = run[0].version
            capped_at = version.capped
            prior: dict[Bucket, Usage] = {}
            for item in run:
                for index in capped_at:
                    bucket = item.buckets[index]
                    if bucket not in prior:
                        grams, quantity, records = usage[(*person, *bucket)]
                        prior[bucket] = (
                            Usage(grams, Decimal(quantity) / QUANTITY_SCALE, records)
                            if grams or quantity or records
                            else NO_USAGE
                        )
            inputs = [
                CapInput(
                    item.record_id,
                    item.occurred_at,
                    item.result.gross_grams,
                    item.result.activity_quantity,
                    item.buckets,
                )
                for item in run
            ]
            # Results come in processing order: the run's own order.
            for item, capped in zip(
                run, apply_caps(inputs, version.caps, PriorUsage(prior)), strict=True
            ):
                item.capped = capped
                item.credited_milli = credited_milli = int(
                    capped.credited_quantity * QUANTITY_SCALE
                )
                for index in capped_at:
                    values = usage[(*person, *item.buckets[index])]
                    values[0] += capped.net_grams
                    values[1] += credited_milli
                    values[2] += capped.is_counted
    return read, usage


def _credit(items: list[_Item], run: _Run) -> int | None:
    """Post the batch's points: one ledger transaction, one entry per citizen; set each item's
    ``points``. Returns the transaction's id, or None when no record earned a point."""
    per_user: dict[int, int] = defaultdict(int)
    points_per_kg = run.points_per_kg
    for item in items:
        item.points = points = cast(CapResult, item.capped).net_grams * points_per_kg // 1000
        if points:
            per_user[item.user_id] += points
    if not per_user:
        return None
    accounts = run.accounts
    missing = [user_id for user_id in per_user if user_id not in accounts]
    if missing:
        # A user's points account never changes once created: looked up once per run.
        accounts.update(ensure_user_accounts(missing))
    total = sum(per_user.values())
    record_ids = sorted(item.record_id for item in items)
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
    return append([posting])[0]


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
    run: _Run, limit: int, after: Cursor, share: tuple[int, int] | None
) -> tuple[Cursor, QuantifyReport] | None:
    """Quantify one batch; return the last queue row read and what the batch did (nothing
    when every record read was held elsewhere or no longer pending), or None when the queue
    held nothing more.

    Order matters for locks: the claimed records, then cap-usage rows, then the ledger chain
    head (in ``append``) — the order partner intake's reversals use too.
    """
    with transaction():
        if _is_postgresql():
            # The commit need not wait for the batch's WAL to reach the disk (at most three
            # times wal_writer_delay later, 0.6 s by default). A crash of the database server
            # or its machine in that window loses the whole batch, never part of it: its
            # records are pending and queued again, with no reduction and no credit, and the
            # next run quantifies them again; meanwhile their points may have been shown. A
            # later commit that does wait, such as any spending of the points, writes this one
            # out first.
            session().execute(text("SET LOCAL synchronous_commit = off"))
        last, rows = _claim(limit, after, share)
        if last is None:
            return None
        if not rows:
            return last, QuantifyReport()
        report = QuantifyReport(batches=1)
        items, rejected = _quantify_claimed(rows, run)
        _reject(rejected)
        report.rejected = len(rejected)
        read, usage = _apply_caps(items)
        _add_usage(read, usage)
        transaction_id = _credit(items, run)
        now = utcnow()
        snapshots = run.snapshots
        reductions = []
        for item in items:
            capped = cast(CapResult, item.capped)
            version = item.version
            snapshot_id = snapshots.get(version.id)
            if snapshot_id is None:
                snapshot_id = snapshots[version.id] = _snapshot_id(item.result)
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
        report.quantified = len(items)
        return last, report


MAX_RETRIES = 100
# Below this many pending records a run stays in its own process: starting a worker (a fresh
# interpreter and app) costs about a second.
PARALLEL_FROM = 4 * BATCH_SIZE


def quantify_pending(
    *,
    points_per_kg: int,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    workers: int = 1,
) -> QuantifyReport:
    """Quantify every pending record, a batch (one transaction) at a time.

    ``points_per_kg`` is the platform setting (1000 = one point per gram). Runs until no pending
    record is left or ``max_batches`` batches are done. Safe to run twice at once and to kill.
    A batch whose cap usage another runner changed meanwhile is rolled back and run again
    (each time because another transaction committed, so some runner always progresses), up to
    ``MAX_RETRIES`` times in a row.

    ``workers`` > 1 (the ``QUANTIFY_WORKERS`` setting) runs that many processes side by side on
    PostgreSQL when at least ``PARALLEL_FROM`` records are pending: they claim disjoint batches
    (``SKIP LOCKED``), each over its share of the users. SQLite, whose writers take turns, and
    ``max_batches`` runs stay in this process.
    """
    if points_per_kg <= 0:
        raise ValueError("points_per_kg must be a positive integer")
    if workers > 1 and max_batches is None and _is_postgresql() and _pending() >= PARALLEL_FROM:
        return _in_processes(points_per_kg, batch_size, workers)
    return _loop(points_per_kg, batch_size, max_batches, share=None)


def _loop(
    points_per_kg: int, batch_size: int, max_batches: int | None, share: tuple[int, int] | None
) -> QuantifyReport:
    """Run batches until none is left (or ``max_batches``); ``share`` = (k, n) limits the run to
    the records of users whose id is k modulo n."""
    run = _Run(points_per_kg)
    report = QuantifyReport()
    after: Cursor = (0, 0)
    retries = 0
    # Each batch makes and drops some twenty objects per record. The cyclic garbage collector
    # would walk every object of the application (hundreds of thousands: the ORM, the app,
    # the caches) each time it looks at the oldest generation, which cost about a third of the
    # job's Python time; objects alive now are set aside from it for the run (gc.freeze),
    # unless something else in the process froze them already (then it is theirs to undo).
    froze = gc.get_freeze_count() == 0
    if froze:
        gc.freeze()
    try:
        while max_batches is None or report.batches < max_batches:
            try:
                done = _run_batch(run, batch_size, after, share)
            except UsageMoved:
                retries += 1
                if retries > MAX_RETRIES:
                    raise
                run.forget_writes()
                continue
            if done is None:
                break
            retries = 0
            after, batch = done
            report.add(batch)
    finally:
        if froze:
            gc.unfreeze()
    return report


def _pending() -> int:
    stmt = select(func.count()).where(_QUEUE.c.queue == RecordStatus.PENDING.value)
    return int(session().execute(stmt).scalar_one())


def _in_processes(points_per_kg: int, batch_size: int, workers: int) -> QuantifyReport:
    """Run ``workers`` quantify loops in fresh processes on this app's database, each over its
    share of the users (so their cap usage never collides), and sum their reports. A worker
    that fails makes the run fail once all have stopped (its own open batch is rolled back;
    every committed batch stands)."""
    url = session().get_bind().engine.url.render_as_string(hide_password=False)
    secret = current_app.config["SECRET_KEY"]
    session().commit()  # end the read transaction before waiting on the workers
    context = multiprocessing.get_context("spawn")  # no fork: the scheduler runs threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_worker, url, secret, points_per_kg, batch_size, (k, workers))
            for k in range(workers)
        ]
        reports = [future.result() for future in futures]
    report = QuantifyReport(processes=workers)
    for each in reports:
        report.add(each)
    return report


def _worker(
    url: str, secret: str, points_per_kg: int, batch_size: int, share: tuple[int, int]
) -> QuantifyReport:
    from portal import create_app
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})
    with app.app_context():
        try:
            return _loop(points_per_kg, batch_size, None, share)
        finally:
            db.session.remove()
            db.engine.dispose()
