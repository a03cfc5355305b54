"""Per-person caps: the Asia/Shanghai day, month and year buckets, the limits of each period
and :func:`apply_caps`, which credits one person's quantified records within them.

Pure, like the rest of the engine: the caller sums what was credited before (``PriorUsage``)
and stores what comes back (``CapResult``). Amounts are integer grams CO2e; quantities are
Decimals in the methodology's activity unit. The quantify job calls :func:`apply_caps` for every
record, so the tallies below are written for speed (see the comments), not for brevity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Final, Literal, NamedTuple

from portal.clock import bounds_utc, local_date, next_day, next_month, next_year

Period = Literal["day", "month", "year"]
LimitKind = Literal["records", "quantity", "grams"]
PERIODS: Final[tuple[Period, ...]] = ("day", "month", "year")
LIMIT_KINDS: Final[tuple[LimitKind, ...]] = ("records", "quantity", "grams")

_ZERO = Decimal(0)


@dataclass(frozen=True)
class PeriodCap:
    """Limits for one person in one calendar period; ``None`` means no limit of that kind.

    ``grams``: CO2e credited; ``quantity``: activity in the methodology's activity unit;
    ``records``: records credited.
    """

    grams: int | None = None
    quantity: Decimal | None = None
    records: int | None = None


# (index in a buckets_for() tuple, period, limits) of a period that has a limit.
_CappedPeriod = tuple[int, Period, PeriodCap]


@dataclass(frozen=True)
class Caps:
    """Per-person caps per Asia/Shanghai day, month and year."""

    day: PeriodCap = PeriodCap()
    month: PeriodCap = PeriodCap()
    year: PeriodCap = PeriodCap()

    def for_period(self, period: Period) -> PeriodCap:
        """Return the limits of ``period``."""
        limits: PeriodCap = getattr(self, period)
        return limits

    @cached_property
    def _capped(self) -> tuple[_CappedPeriod, ...]:
        return tuple(
            (index, period, limits)
            for index, period in enumerate(PERIODS)
            if (limits := self.for_period(period)) != PeriodCap()
        )

    def capped_periods(self) -> tuple[Period, ...]:
        """Return the periods with at least one limit, shortest first."""
        return tuple(period for _, period, _ in self._capped)


class Bucket(NamedTuple):
    """One Asia/Shanghai calendar period; ``start`` is its first day (a month's 1st, Jan 1st).

    A named tuple: hashed and compared in C, which counts where the quantify job keys usage by
    bucket for every record.
    """

    period: Period
    start: date

    def end(self) -> date:
        """Return the first day after this period."""
        if self.period == "day":
            return next_day(self.start)
        if self.period == "month":
            return next_month(self.start)
        return next_year(self.start)

    def bounds_utc(self) -> tuple[datetime, datetime]:
        """Return the period as a half-open ``[start, end)`` pair of aware UTC datetimes."""
        return bounds_utc(self.start, self.end())


def buckets_for(occurred_at: datetime) -> tuple[Bucket, Bucket, Bucket]:
    """Return the day, month and year buckets (Asia/Shanghai) of an aware datetime."""
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise ValueError(f"occurred_at must be timezone-aware, not {occurred_at!r}")
    return _buckets_of(local_date(occurred_at))


@lru_cache(maxsize=4096)
def _buckets_of(day: date) -> tuple[Bucket, Bucket, Bucket]:
    return (
        Bucket("day", day),
        Bucket("month", day.replace(day=1)),
        Bucket("year", date(day.year, 1, 1)),
    )


@dataclass(frozen=True)
class Usage:
    """What a person has been credited within one bucket (grams, activity quantity, records)."""

    grams: int = 0
    quantity: Decimal = _ZERO
    records: int = 0


NO_USAGE: Final = Usage()


@dataclass(frozen=True)
class PriorUsage:
    """Usage per bucket earned before the records now being capped (the DB layer sums it)."""

    used: Mapping[Bucket, Usage] = field(default_factory=dict)


# Built once per record, like Quantification, hence not frozen (see there).
@dataclass(slots=True)
class CapInput:
    """One record of one person under one methodology, already quantified.

    ``occurred_at`` is aware (UTC in practice); ``quantity`` is in the activity unit.
    ``buckets`` are ``buckets_for(occurred_at)`` when the caller has them already.
    ``exact_grams`` is the formula's result before rounding (``Quantification.exact_grams``),
    so that ``gross_grams == max(0, floor(exact_grams))``: a quantity cap prorates it and rounds
    once. Without it the gross grams are taken as exact.
    """

    record_id: int
    occurred_at: datetime
    gross_grams: int
    quantity: Decimal
    buckets: tuple[Bucket, Bucket, Bucket] | None = None
    exact_grams: Decimal | None = None


@dataclass(slots=True)
class CapResult:
    """A record after caps: ``net_grams + capped_grams == gross_grams``.

    ``credited_quantity`` and ``is_counted`` (whether the record took a slot under a records
    cap) are what the record adds to its buckets' :class:`Usage`; the DB layer stores them so
    the next :class:`PriorUsage` can be summed. ``capped_by`` / ``capped_limit`` name the limit
    that removed grams, or are ``None`` when nothing was removed.
    """

    record_id: int
    gross_grams: int
    net_grams: int
    capped_grams: int
    credited_quantity: Decimal
    is_counted: bool
    capped_by: Period | None
    capped_limit: LimitKind | None


@dataclass(slots=True)
class _Tally:
    """A bucket's running :class:`Usage` while :func:`apply_caps` works through the records."""

    grams: int
    quantity: Decimal
    records: int


# What apply_caps works from per record: the record, its buckets and the grams a quantity cap
# prorates (its exact grams, or its gross grams when the caller gave none; 0 when negative).
_Checked = tuple[CapInput, tuple[Bucket, Bucket, Bucket], Decimal | int]


def _check_cap_input(item: CapInput) -> _Checked:
    """Refuse a malformed record; return it with its buckets and the grams to prorate."""
    # Refuse a naive datetime before sorting compares it (buckets_for does too).
    if item.occurred_at.tzinfo is None or item.occurred_at.utcoffset() is None:
        raise ValueError(f"record {item.record_id}: occurred_at must be timezone-aware")
    buckets = item.buckets or buckets_for(item.occurred_at)
    if isinstance(item.gross_grams, bool) or not isinstance(item.gross_grams, int):
        raise TypeError(f"record {item.record_id}: gross_grams must be an int")
    if item.gross_grams < 0:
        raise ValueError(f"record {item.record_id}: gross_grams must be >= 0")
    if not isinstance(item.quantity, Decimal) or not item.quantity.is_finite():
        raise TypeError(f"record {item.record_id}: quantity must be a finite Decimal")
    if item.quantity < _ZERO:
        raise ValueError(f"record {item.record_id}: quantity must be >= 0")
    exact = item.exact_grams
    if exact is None:
        return item, buckets, item.gross_grams
    if not isinstance(exact, Decimal) or not exact.is_finite():
        raise TypeError(f"record {item.record_id}: exact_grams must be a finite Decimal")
    gross_grams = item.gross_grams
    # gross_grams == max(0, floor(exact)), in two comparisons rather than a floor.
    if not exact < gross_grams + 1 or (gross_grams and exact < gross_grams):
        raise ValueError(
            f"record {item.record_id}: exact_grams {exact} do not round down to {gross_grams}"
        )
    return item, buckets, exact if exact > _ZERO else 0


def _prorated(grams: Decimal | int, room: Decimal, quantity: Decimal) -> int:
    """floor(grams x room / quantity), exactly, for grams >= 0 and 0 <= room < quantity.

    Given the exact (unrounded) grams, the share is rounded once: a formula linear in the
    quantity, exact grams = quantity x factor, credits floor(room x factor).
    """
    # Integer ratios keep the share exact, so a record that fits exactly keeps every gram; they
    # give what Fraction arithmetic gives at a tenth of its cost.
    grams_numerator, grams_denominator = grams.as_integer_ratio()
    room_numerator, room_denominator = room.as_integer_ratio()
    quantity_numerator, quantity_denominator = quantity.as_integer_ratio()
    return (grams_numerator * room_numerator * quantity_denominator) // (
        grams_denominator * room_denominator * quantity_numerator
    )


def _cap_one(
    item: CapInput,
    exact_grams: Decimal | int,
    tallies: Sequence[tuple[_CappedPeriod, _Tally]],
) -> CapResult:
    # Each limit that would remove grams proposes (net it allows, rank, period, kind); the
    # smallest net wins, ties going to the shorter period and then to records < quantity <
    # grams, so the reported cap is the one a citizen would recognise first. A limit the record
    # fits within proposes nothing, so most records build no proposal at all.
    gross_grams = item.gross_grams
    proposals: list[tuple[int, int, Period, LimitKind]] = []
    credited = item.quantity
    is_refused = False
    for (period_rank, period, limit), tally in tallies:
        rank = period_rank * len(LIMIT_KINDS)
        if limit.records is not None and tally.records >= limit.records:
            is_refused = True
            proposals.append((0, rank, period, "records"))
        if limit.quantity is not None:
            room = limit.quantity - tally.quantity
            room = room if room > _ZERO else _ZERO  # as max(_ZERO, room), without the call
            if room < item.quantity:
                credited = min(credited, room)
                net = _prorated(exact_grams, room, item.quantity)
                proposals.append((net, rank + 1, period, "quantity"))
        if limit.grams is not None:
            room_grams = limit.grams - tally.grams
            if room_grams < gross_grams:
                proposals.append((max(0, room_grams), rank + 2, period, "grams"))
    binding = min(proposals) if proposals else None
    if binding is None or binding[0] >= gross_grams:
        net_grams, capped_by, capped_limit = gross_grams, None, None
    else:
        net_grams, _, capped_by, capped_limit = binding
    # Positional, as for Quantification.
    return CapResult(
        item.record_id,
        gross_grams,
        net_grams,
        gross_grams - net_grams,
        _ZERO if is_refused else credited,
        not is_refused,
        capped_by,
        capped_limit,
    )


def apply_caps(
    items: Sequence[CapInput], caps: Caps, prior: PriorUsage | None = None
) -> list[CapResult]:
    """Apply one person's caps to their records under one methodology.

    Records are taken in order of ``occurred_at`` (ties by ``record_id``), each bucketed into
    its Asia/Shanghai day, month and year; ``prior`` is what the person was already credited in
    those buckets. A records cap refuses a record once the bucket holds that many; a quantity cap
    credits the share of the record that fits (its exact grams pro rata, rounded down once: a
    linear formula credits floor(room x factor)); a grams cap credits what room is left. Results
    come back in processing order.

    Invariants: ``0 <= net_grams <= gross_grams``; within any bucket, prior plus this set's net
    grams, credited quantity and counted records stay within that bucket's caps (if prior
    already exceeds a cap, nothing more is credited there). Pure: ``items`` and ``prior`` are
    not changed.
    """
    checked = [_check_cap_input(item) for item in items]
    checked.sort(key=lambda entry: (entry[0].occurred_at, entry[0].record_id))
    used = prior.used if prior is not None else {}
    # Only capped periods can limit anything, so only theirs are tallied: per capped period, a
    # running tally per bucket, keyed by the bucket's start (a date hashes faster than a
    # Bucket) and begun from prior.
    periods: list[tuple[_CappedPeriod, dict[date, _Tally]]] = [
        (capped, {}) for capped in caps._capped
    ]
    results: list[CapResult] = []
    for item, buckets, exact_grams in checked:
        tallies: list[tuple[_CappedPeriod, _Tally]] = []
        for capped, by_start in periods:
            bucket = buckets[capped[0]]
            tally = by_start.get(bucket.start)
            if tally is None:
                before = used.get(bucket, NO_USAGE)
                tally = by_start[bucket.start] = _Tally(
                    before.grams, before.quantity, before.records
                )
            tallies.append((capped, tally))
        result = _cap_one(item, exact_grams, tallies)
        for _capped, tally in tallies:
            tally.grams += result.net_grams
            tally.quantity += result.credited_quantity
            tally.records += result.is_counted
        results.append(result)
    return results
