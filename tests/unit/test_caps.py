"""The engine's caps: Asia/Shanghai buckets, each kind of limit, prior usage, and the
invariants apply_caps keeps for any records and caps (property tests)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.methodology.engine import (
    PERIODS,
    Bucket,
    CapInput,
    Caps,
    PeriodCap,
    PriorUsage,
    Quantifier,
    Usage,
    apply_caps,
    buckets_for,
)
from portal.methodology.seed_specs import get_spec

D = Decimal


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


PER_DAY_20KM = Caps(day=PeriodCap(quantity=D(20)))


def test_buckets_follow_the_shanghai_calendar() -> None:
    # 15:59 UTC is 23:59 in Shanghai on 03-01; 16:00 UTC is already 03-02.
    assert buckets_for(utc("2026-03-01T15:59:00"))[0] == Bucket("day", date(2026, 3, 1))
    assert buckets_for(utc("2026-03-01T16:00:00"))[0] == Bucket("day", date(2026, 3, 2))
    assert buckets_for(utc("2026-12-31T16:00:00")) == (
        Bucket("day", date(2027, 1, 1)),
        Bucket("month", date(2027, 1, 1)),
        Bucket("year", date(2027, 1, 1)),
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        buckets_for(datetime(2026, 3, 1))


def test_bucket_bounds_are_shanghai_midnights_in_utc() -> None:
    assert Bucket("day", date(2026, 3, 2)).bounds_utc() == (
        utc("2026-03-01T16:00:00"),
        utc("2026-03-02T16:00:00"),
    )
    assert Bucket("month", date(2026, 12, 1)).bounds_utc() == (
        utc("2026-11-30T16:00:00"),
        utc("2026-12-31T16:00:00"),
    )
    assert Bucket("year", date(2026, 1, 1)).bounds_utc() == (
        utc("2025-12-31T16:00:00"),
        utc("2026-12-31T16:00:00"),
    )


def test_day_quantity_cap_across_shanghai_midnight() -> None:
    # Cycling, 20 km/day; 15 km = 600 g each. Records 1 and 2 share Shanghai day 03-01, so the
    # second gets 5 of its 15 km: 600 x 5/15 = 200 g. Record 3 falls on 03-02 and is whole.
    items = [
        CapInput(1, utc("2026-03-01T10:00:00"), 600, D(15)),
        CapInput(2, utc("2026-03-01T15:59:00"), 600, D(15)),
        CapInput(3, utc("2026-03-01T16:00:00"), 600, D(15)),
    ]
    results = apply_caps(items, get_spec("JLCH-TR-003").caps)
    assert [(r.record_id, r.net_grams, r.capped_grams) for r in results] == [
        (1, 600, 0),
        (2, 200, 400),
        (3, 600, 0),
    ]
    assert (results[1].capped_by, results[1].capped_limit) == ("day", "quantity")
    assert results[1].credited_quantity == D(5)
    assert results[0].capped_by is None


def test_records_are_capped_in_order_of_occurrence_not_of_arrival() -> None:
    late = CapInput(1, utc("2026-03-01T12:00:00"), 600, D(15))
    early = CapInput(2, utc("2026-03-01T01:00:00"), 600, D(15))
    results = apply_caps([late, early], PER_DAY_20KM)
    assert [(r.record_id, r.net_grams) for r in results] == [(2, 600), (1, 200)]


def test_ties_in_time_are_broken_by_record_id() -> None:
    moment = utc("2026-03-01T01:00:00")
    results = apply_caps(
        [CapInput(7, moment, 600, D(15)), CapInput(5, moment, 600, D(15))], PER_DAY_20KM
    )
    assert [(r.record_id, r.net_grams) for r in results] == [(5, 600), (7, 200)]


def test_prior_usage_counts_against_the_cap() -> None:
    # 18 km already credited on 03-01; a 5 km ride (200 g) has 2 km of room: 200 x 2/5 = 80 g.
    prior = PriorUsage({Bucket("day", date(2026, 3, 1)): Usage(grams=720, quantity=D(18))})
    (result,) = apply_caps(
        [CapInput(1, utc("2026-03-01T02:00:00"), 200, D(5))], PER_DAY_20KM, prior
    )
    assert (result.net_grams, result.credited_quantity) == (80, D(2))
    assert prior.used[Bucket("day", date(2026, 3, 1))].quantity == D(18)


def test_prior_usage_beyond_the_cap_leaves_nothing() -> None:
    prior = PriorUsage({Bucket("day", date(2026, 3, 1)): Usage(quantity=D(25))})
    (result,) = apply_caps(
        [CapInput(1, utc("2026-03-01T02:00:00"), 200, D(5))], PER_DAY_20KM, prior
    )
    assert (result.net_grams, result.capped_grams, result.credited_quantity) == (0, 200, D(0))


def test_month_cap_across_shanghai_month_end() -> None:
    # Clothing, 30 kg/month at 1.28 kg/kg: 20 kg = 25,600 g; 15 kg = 19,200 g.
    # 03-31T15:30Z is still March in Shanghai: 10 kg of room, 19,200 x 10/15 = 12,800 g.
    # 03-31T16:30Z is April 1st in Shanghai: a new month.
    items = [
        CapInput(1, utc("2026-03-10T02:00:00"), 25_600, D(20)),
        CapInput(2, utc("2026-03-31T15:30:00"), 19_200, D(15)),
        CapInput(3, utc("2026-03-31T16:30:00"), 19_200, D(15)),
    ]
    results = apply_caps(items, get_spec("JLCH-CL-001").caps)
    assert [r.net_grams for r in results] == [25_600, 12_800, 19_200]
    assert results[1].capped_by == "month"


def test_year_cap_across_shanghai_new_year() -> None:
    # Windows, 30 m2/year at 66 kg/m2: 20 m2 = 1,320,000 g. 12-31T15:59Z is still 2026 in
    # Shanghai: 10 m2 of room = 660,000 g. 12-31T16:00Z is 2027.
    items = [
        CapInput(1, utc("2026-06-01T02:00:00"), 1_320_000, D(20)),
        CapInput(2, utc("2026-12-31T15:59:00"), 1_320_000, D(20)),
        CapInput(3, utc("2026-12-31T16:00:00"), 1_320_000, D(20)),
    ]
    results = apply_caps(items, get_spec("JLCH-HS-001").caps)
    assert [r.net_grams for r in results] == [1_320_000, 660_000, 1_320_000]
    assert results[1].capped_by == "year"


def test_grams_cap_for_walking() -> None:
    # 300 g/day: 164 + 164 = 328, so the second walk keeps 136 g.
    items = [
        CapInput(1, utc("2026-03-01T01:00:00"), 164, D(10000)),
        CapInput(2, utc("2026-03-01T09:00:00"), 164, D(10000)),
    ]
    results = apply_caps(items, get_spec("JLCH-TR-001").caps)
    assert [(r.net_grams, r.capped_grams) for r in results] == [(164, 0), (136, 28)]
    assert (results[1].capped_by, results[1].capped_limit) == ("day", "grams")


def test_records_cap_for_bus_refuses_the_fifth_ride() -> None:
    items = [CapInput(i, utc(f"2026-03-01T0{i}:00:00"), 231, D("8.6")) for i in range(1, 6)]
    results = apply_caps(items, get_spec("JLCH-TR-007").caps)
    assert [r.net_grams for r in results] == [231, 231, 231, 231, 0]
    fifth = results[-1]
    assert (fifth.capped_by, fifth.capped_limit, fifth.is_counted) == ("day", "records", False)
    assert fifth.credited_quantity == 0


def test_metro_caps_rides_and_kilometres_together() -> None:
    # 4 rides and 60 km per day: three 20 km rides fill the 60 km; the fourth is counted but
    # has no km left; the fifth is refused outright. 60 km x 46.7 g is also the grams cap.
    items = [CapInput(i, utc(f"2026-03-01T0{i}:00:00"), 934, D(20)) for i in range(1, 6)]
    results = apply_caps(items, get_spec("JLCH-TR-008").caps)
    assert [r.net_grams for r in results] == [934, 934, 934, 0, 0]
    assert [r.capped_limit for r in results] == [None, None, None, "quantity", "records"]
    assert [r.is_counted for r in results] == [True, True, True, True, False]


def test_the_tightest_cap_is_reported_and_ties_go_to_the_shorter_period() -> None:
    moment = utc("2026-03-01T01:00:00")
    tighter_month = Caps(day=PeriodCap(grams=100), month=PeriodCap(grams=50))
    (result,) = apply_caps([CapInput(1, moment, 80, D(1))], tighter_month)
    assert (result.net_grams, result.capped_by) == (50, "month")
    tie = Caps(day=PeriodCap(grams=50), month=PeriodCap(grams=50))
    (result,) = apply_caps([CapInput(1, moment, 80, D(1))], tie)
    assert (result.net_grams, result.capped_by) == (50, "day")


def test_no_caps_keep_every_gram() -> None:
    items = [CapInput(i, utc("2026-03-01T01:00:00"), 276, D(3)) for i in range(3)]
    results = apply_caps(items, get_spec("JLCH-TV-001").caps)
    assert [(r.net_grams, r.capped_by) for r in results] == [(276, None)] * 3


def test_caps_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        apply_caps([CapInput(1, datetime(2026, 3, 1), 1, D(1))], PER_DAY_20KM)
    # Buckets the caller worked out already do not let a naive time through.
    buckets = buckets_for(utc("2026-03-01T00:00:00"))
    with pytest.raises(ValueError, match="timezone-aware"):
        apply_caps([CapInput(1, datetime(2026, 3, 1), 1, D(1), buckets)], PER_DAY_20KM)
    with pytest.raises(ValueError, match="gross_grams"):
        apply_caps([CapInput(1, utc("2026-03-01T00:00:00"), -1, D(1))], PER_DAY_20KM)
    with pytest.raises(TypeError, match="quantity"):
        apply_caps([CapInput(1, utc("2026-03-01T00:00:00"), 1, 1.0)], PER_DAY_20KM)  # type: ignore[arg-type]


START = utc("2026-03-01T12:00:00")
optional_grams = st.none() | st.integers(1, 2000)
optional_quantity = st.none() | st.decimals(1, 50, places=1)
optional_records = st.none() | st.integers(1, 5)
period_caps = st.builds(
    PeriodCap, grams=optional_grams, quantity=optional_quantity, records=optional_records
)
record_inputs = st.lists(
    st.tuples(
        st.integers(0, 3 * 24 * 60),  # minutes after START: spans three Shanghai midnights
        st.integers(0, 1500),
        st.decimals(0, 30, places=2),
    ),
    max_size=25,
)


@settings(database=None, deadline=None, max_examples=200)
@given(
    records=record_inputs,
    caps=st.builds(Caps, day=period_caps, month=period_caps, year=period_caps),
    prior_grams=st.integers(0, 1000),
)
def test_caps_never_credit_more_than_gross_or_the_cap(
    records: list[tuple[int, int, Decimal]], caps: Caps, prior_grams: int
) -> None:
    items = [
        CapInput(i, START + timedelta(minutes=minutes), gross, quantity)
        for i, (minutes, gross, quantity) in enumerate(records)
    ]
    first_day = buckets_for(START)[0]
    prior = PriorUsage({first_day: Usage(grams=prior_grams)})
    results = apply_caps(items, caps, prior)

    assert sorted(r.record_id for r in results) == list(range(len(items)))
    net: dict[Bucket, int] = defaultdict(int, {first_day: prior_grams})
    quantity: dict[Bucket, Decimal] = defaultdict(Decimal)
    counted: dict[Bucket, int] = defaultdict(int)
    by_id = {item.record_id: item for item in items}
    for result in results:
        item = by_id[result.record_id]
        assert 0 <= result.net_grams <= result.gross_grams == item.gross_grams
        assert result.net_grams + result.capped_grams == result.gross_grams
        assert 0 <= result.credited_quantity <= item.quantity
        for bucket in buckets_for(item.occurred_at):
            net[bucket] += result.net_grams
            quantity[bucket] += result.credited_quantity
            counted[bucket] += result.is_counted
    for bucket in net.keys() | quantity.keys():
        limit = caps.for_period(bucket.period)
        already = prior_grams if bucket == first_day else 0
        if limit.grams is not None:
            assert net[bucket] <= max(limit.grams, already)
        if limit.quantity is not None:
            assert quantity[bucket] <= limit.quantity
        if limit.records is not None:
            assert counted[bucket] <= limit.records


@settings(database=None, deadline=None, max_examples=300)
@given(
    gross=st.integers(0, 10**9),
    quantity=st.decimals(min_value="0.001", max_value=10**6, places=3),
    used=st.decimals(min_value=0, max_value=10**6, places=4),
)
def test_a_quantity_cap_prorates_exactly(gross: int, quantity: Decimal, used: Decimal) -> None:
    limit = D(500)
    prior = PriorUsage({buckets_for(START)[0]: Usage(quantity=used)})
    (result,) = apply_caps(
        [CapInput(1, START, gross, quantity)], Caps(day=PeriodCap(quantity=limit)), prior
    )
    room = max(D(0), limit - used)
    if room < quantity:
        assert result.net_grams == math.floor(Fraction(gross) * Fraction(room) / Fraction(quantity))
        assert result.credited_quantity == room
    else:
        assert (result.net_grams, result.credited_quantity) == (gross, quantity)


def test_prior_grams_beyond_the_cap_leave_nothing() -> None:
    prior = PriorUsage({Bucket("day", date(2026, 3, 1)): Usage(grams=500)})
    (result,) = apply_caps(
        [CapInput(1, utc("2026-03-01T02:00:00"), 100, D(1))], Caps(day=PeriodCap(grams=300)), prior
    )
    assert (result.net_grams, result.capped_by, result.capped_limit) == (0, "day", "grams")


def test_a_zero_gram_record_beyond_a_cap_is_not_reported_as_capped() -> None:
    # Nothing is removed, so no cap is named; the full records cap still refuses to count it,
    # and the spent quantity cap still credits no quantity.
    moment = utc("2026-03-01T02:00:00")
    prior = PriorUsage({buckets_for(moment)[0]: Usage(quantity=D(20), records=4)})
    caps = Caps(day=PeriodCap(quantity=D(20), records=4))
    (refused,) = apply_caps([CapInput(1, moment, 0, D(5))], caps, prior)
    assert (refused.net_grams, refused.capped_by, refused.is_counted) == (0, None, False)
    assert refused.credited_quantity == 0
    caps = Caps(day=PeriodCap(quantity=D(20)))
    (spent,) = apply_caps([CapInput(1, moment, 0, D(5))], caps, prior)
    assert (spent.net_grams, spent.capped_by, spent.is_counted) == (0, None, True)
    assert spent.credited_quantity == 0


def test_usage_carries_across_the_records_of_one_call() -> None:
    # 3 km a day, 5 records a month; six 1 km rides, four on 03-01 and two on 03-02. The fourth
    # finds the day's kilometres spent (still counted); the sixth is the month's sixth record.
    caps = Caps(day=PeriodCap(quantity=D(3)), month=PeriodCap(records=5))
    items = [CapInput(i, utc(f"2026-03-0{1 + i // 4}T0{i}:00:00"), 40, D(1)) for i in range(6)]
    results = apply_caps(items, caps)
    assert [(r.net_grams, r.credited_quantity, r.is_counted, r.capped_limit) for r in results] == [
        (40, 1, True, None),
        (40, 1, True, None),
        (40, 1, True, None),
        (0, 0, True, "quantity"),
        (40, 1, True, None),
        (0, 0, False, "records"),
    ]


# Seed methodologies whose formula is linear in Q and whose caps limit the quantity: a record
# beyond the cap is credited what the room alone would earn, floor(room x factor).
LINEAR_QUANTITY_CAPPED = (
    "JLCH-CL-001",
    "JLCH-FD-001",
    "JLCH-HS-001",
    "JLCH-HS-004",
    "JLCH-TR-003",
    "JLCH-TR-004",
    "JLCH-TR-005",
    "JLCH-TR-009",
)


@settings(database=None, deadline=None, max_examples=300)
@given(
    code=st.sampled_from(LINEAR_QUANTITY_CAPPED),
    per_mille=st.integers(1, 2000),
    used_per_mille=st.integers(0, 1000),
)
def test_a_linear_formula_is_credited_floor_of_room_times_factor(
    code: str, per_mille: int, used_per_mille: int
) -> None:
    # The record is up to twice the cap, the period already used up to all of it: thousandths
    # of the (whole) cap, as records store quantities.
    spec = get_spec(code)
    period = spec.caps.capped_periods()[0]
    limit = spec.caps.for_period(period)
    assert limit.quantity is not None
    quantity = limit.quantity * per_mille / 1000
    used = limit.quantity * used_per_mille / 1000
    quantify = Quantifier(spec)
    result = quantify(quantity, spec.activity_unit)
    prior = PriorUsage({buckets_for(START)[PERIODS.index(period)]: Usage(quantity=used)})
    item = CapInput(1, START, result.gross_grams, quantity, exact_grams=result.exact_grams)
    (capped,) = apply_caps([item], spec.caps, prior)
    room = min(quantity, limit.quantity - used)
    # floor(room x factor): the grams the formula gives the room on its own.
    assert capped.net_grams == quantify(room, spec.activity_unit).gross_grams
    assert capped.credited_quantity == room
    assert capped.net_grams + capped.capped_grams == result.gross_grams


@pytest.mark.parametrize(
    ("code", "km", "net"), [("JLCH-TR-003", "26.28", 800), ("JLCH-TR-004", "28.478", 660)]
)
def test_a_ride_beyond_the_day_cap_is_credited_the_cap_times_the_factor(
    code: str, km: str, net: int
) -> None:
    # 26.28 km x 40 g/km = 1,051.2 g, 1,051 g gross; prorating those 1,051 g to 20 km gave
    # 799 g, the exact 1,051.2 g give 800 g = 20 km x 40 g/km (28.478 km of e-bike: 660 g).
    spec = get_spec(code)
    result = Quantifier(spec)(D(km), "km")
    item = CapInput(1, START, result.gross_grams, D(km), exact_grams=result.exact_grams)
    (capped,) = apply_caps([item], spec.caps)
    assert (capped.net_grams, capped.capped_by, capped.capped_limit) == (net, "day", "quantity")


def test_exact_grams_must_round_down_to_the_gross_grams() -> None:
    with pytest.raises(ValueError, match="exact_grams"):
        apply_caps([CapInput(1, START, 10, D(1), exact_grams=D("11.5"))], PER_DAY_20KM)
    with pytest.raises(TypeError, match="exact_grams"):
        apply_caps([CapInput(1, START, 10, D(1), exact_grams=10.5)], PER_DAY_20KM)  # type: ignore[arg-type]
    # A formula that went negative is clamped to 0 gross grams, and 0 are credited.
    (result,) = apply_caps([CapInput(1, START, 0, D(30), exact_grams=D("-4.5"))], PER_DAY_20KM)
    assert (result.net_grams, result.capped_grams) == (0, 0)
