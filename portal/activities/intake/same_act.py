"""Finding other records an incoming one may repeat: the same act through another channel, and
another trip of the same person at the same time. Flush-only reads (and locks) for the intake
services, which own the transaction.

Every trip has an interval, reported or not: a record whose quantity is a distance and that
gives no end time is taken to have lasted the shortest time its distance allows at the
scenario's plausible top speed (``trip_interval``). So two copies of one ride, sent under other
ids, by another partner or without ``ended_at``, always meet the overlap and same-act checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from sqlalchemy import or_, select

from portal.activities.intake.checks import MAX_TRIP
from portal.activities.intake.records import RecordInput
from portal.activities.models import QUANTITY_SCALE, BehaviorRecord, RecordStatus
from portal.clock import day_bounds
from portal.db import session
from portal.methodology.models import Methodology
from portal.methodology.queries import FiledVersions
from portal.methodology.units import convert, get_unit
from portal.methodology.versions import VersionSpec

OPEN_STATUSES = (RecordStatus.PENDING.value, RecordStatus.FLAGGED.value)
LIVE_STATUSES = (*OPEN_STATUSES, RecordStatus.QUANTIFIED.value)

# The top speed of a trip whose methodology declares none (metro, bus, car): 120 km/h, the
# motorway limit in China, which no land trip a partner reports averages more than. The faster
# the speed, the shorter the interval given, so this errs towards flagging too little.
FALLBACK_TOP_SPEED_KMH: Final = Decimal(120)
# The least interval given, so two records with the same start always overlap.
MIN_TRIP: Final = timedelta(seconds=1)

Trip = tuple[datetime, datetime]  # [start, end) of a trip


def trip_interval(
    occurred_at: datetime,
    ended_at: datetime | None,
    quantity: Decimal,
    unit: str,
    max_speed_kmh: Decimal | None,
) -> Trip | None:
    """The time a trip took: as reported when it has an end; otherwise from its start for the
    shortest time its distance allows at ``max_speed_kmh`` (``FALLBACK_TOP_SPEED_KMH`` when
    the methodology declares none), at least ``MIN_TRIP``. None when the quantity is not a
    distance (a toll passage, a meal): such a record has no interval unless it gives an end."""
    if ended_at is not None:
        return occurred_at, ended_at
    if get_unit(unit).dimension != "length":
        return None
    hours = convert(quantity, unit, "km") / (max_speed_kmh or FALLBACK_TOP_SPEED_KMH)
    return occurred_at, occurred_at + max(MIN_TRIP, timedelta(hours=float(hours)))


def input_trip(item: RecordInput, spec: VersionSpec) -> Trip | None:
    """``trip_interval`` of an incoming record (its quantity checked), under ``spec``."""
    assert item.quantity is not None
    return trip_interval(
        item.occurred_at, item.ended_at, item.quantity, item.unit, spec.plausibility.max_speed_kmh
    )


def record_trip(record: BehaviorRecord, versions: FiledVersions) -> Trip | None:
    """``trip_interval`` of a stored record, at the top speed of the version in force at its
    time (``versions`` must hold its methodology)."""
    found = versions.in_force(record.methodology_id, record.occurred_at)
    max_speed = found[1].plausibility.max_speed_kmh if found is not None else None
    quantity = Decimal(record.quantity_milli) / QUANTITY_SCALE
    return trip_interval(record.occurred_at, record.ended_at, quantity, record.unit, max_speed)


def overlap(a: Trip | None, b: Trip | None) -> bool:
    """Two trips share some time (half-open intervals: one ending as the other starts do not)."""
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def is_same_act(
    a_start: datetime, a_trip: Trip | None, a_milli: int, b: BehaviorRecord, b_trip: Trip | None
) -> bool:
    """Two records of one person and methodology describe the same act: their trips overlap,
    or (when either has no interval) they fall on the same Shanghai day with quantities within
    20 %."""
    if a_trip is not None and b_trip is not None:
        return overlap(a_trip, b_trip)
    if day_bounds(a_start) != day_bounds(b.occurred_at):
        return False
    return abs(a_milli - b.quantity_milli) * 5 <= max(a_milli, b.quantity_milli)


def same_acts(
    start: datetime,
    trip: Trip | None,
    quantity_milli: int,
    candidates: Iterable[BehaviorRecord],
    versions: FiledVersions,
) -> list[BehaviorRecord]:
    """The candidates (``list_candidates``) that are the same act as a record at ``start``."""
    return [
        r
        for r in candidates
        if is_same_act(start, trip, quantity_milli, r, record_trip(r, versions))
    ]


def list_candidates(
    user_id: int,
    methodology_id: int,
    start: datetime,
    end: datetime | None,
    channels: tuple[str, ...],
) -> list[BehaviorRecord]:
    """Live records of this person and methodology, from ``channels``, that may be the same act
    as one at [start, end]: from the Asia/Shanghai day before ``start`` to the end of ``end``'s
    day (``is_same_act`` decides)."""
    low, _ = day_bounds(start)
    _, high = day_bounds(end or start)
    return list(
        session().scalars(
            select(BehaviorRecord).where(
                BehaviorRecord.user_id == user_id,
                BehaviorRecord.methodology_id == methodology_id,
                BehaviorRecord.channel.in_(channels),
                BehaviorRecord.status.in_(LIVE_STATUSES),
                BehaviorRecord.occurred_at >= low - timedelta(days=1),
                BehaviorRecord.occurred_at < high,
            )
        )
    )


def lock_live(record_ids: set[int]) -> dict[int, BehaviorRecord]:
    """Lock these records in one statement, in id order (so two calls never wait on each other
    in opposite orders), and return those still live, re-read: a concurrent quantify batch or
    partner call that changed one has committed by the time we hold it."""
    if not record_ids:
        return {}
    rows = session().scalars(
        select(BehaviorRecord)
        .where(BehaviorRecord.id.in_(sorted(record_ids)), BehaviorRecord.status.in_(LIVE_STATUSES))
        .order_by(BehaviorRecord.id)
        # FOR NO KEY UPDATE on PostgreSQL: what the status update takes anyway, and it does not
        # block foreign-key checks against these rows.
        .with_for_update(key_share=True, of=BehaviorRecord)
        .execution_options(populate_existing=True)
    )
    return {record.id: record for record in rows}


def overlaps_other_trip(
    user_id: int,
    trip: Trip | None,
    transport_ids: set[int],
    versions: FiledVersions,
    same_act_ids: frozenset[int] = frozenset(),
) -> bool:
    """Another live trip of this person overlaps ``trip``, its interval reported or implied
    (``record_trip``); records of the same act (the citizen's own report of a trip a partner
    now sends) are not a second trip."""
    return bool(list_overlapping_trips(user_id, trip, transport_ids, versions, same_act_ids))


def list_overlapping_trips(
    user_id: int,
    trip: Trip | None,
    transport_ids: set[int],
    versions: FiledVersions,
    other_than: frozenset[int] = frozenset(),
) -> list[BehaviorRecord]:
    """The live trips of this person, but those in ``other_than``, that overlap ``trip`` (what
    ``overlaps_other_trip`` asks, and the official's review page shows)."""
    if trip is None or not transport_ids:
        return []
    start, end = trip
    versions.load(transport_ids)
    # No trip lasts longer than MAX_TRIP, so one that overlaps started within it before.
    nearby = session().scalars(
        select(BehaviorRecord).where(
            BehaviorRecord.user_id == user_id,
            BehaviorRecord.methodology_id.in_(transport_ids),
            BehaviorRecord.status.in_(LIVE_STATUSES),
            BehaviorRecord.occurred_at < end,
            BehaviorRecord.occurred_at > start - MAX_TRIP,
            or_(BehaviorRecord.ended_at.is_(None), BehaviorRecord.ended_at > start),
            BehaviorRecord.id.not_in(other_than),
        )
    )
    return [r for r in nearby if overlap(trip, record_trip(r, versions))]


def transport_ids() -> set[int]:
    """Ids of the transport methodologies: their trips of one person must not overlap."""
    return set(session().scalars(select(Methodology.id).where(Methodology.category == "transport")))
