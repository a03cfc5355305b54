"""Campaign rules without an app: themed-day dates (announced, computed, unknown), the bonus
arithmetic, the per-person cap against the budget, the window and its grace."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.clock import SHANGHAI
from portal.gamification.campaigns import calendar
from portal.gamification.campaigns.rules import (
    Outcome,
    Phase,
    Window,
    award,
    bonus_points,
)


def _day(key: str) -> calendar.ThemedDay:
    day = calendar.get_themed_day(key)
    assert day is not None
    return day


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2023, date(2023, 3, 25)),
        (2024, date(2024, 3, 23)),  # the 30th was Holy Saturday: a week earlier (announced)
        (2026, date(2026, 3, 28)),
        (2029, date(2029, 3, 24)),  # computed: the 31st is Holy Saturday (Easter 1 April)
        (2030, date(2030, 3, 30)),
    ],
)
def test_earth_hour_is_the_last_saturday_of_march_unless_easter_eve(
    year: int, expected: date
) -> None:
    occurrence = _day("earth_hour").occurrence(year)
    assert occurrence is not None and occurrence.first == expected == occurrence.last
    start, end = occurrence.bounds()
    assert (start.time(), end.time()) == (time(20, 30), time(21, 30))
    assert start.tzinfo == SHANGHAI and start.astimezone(UTC).hour == 12


def test_earth_day_is_22_april_and_lasts_the_whole_local_day() -> None:
    occurrence = _day("earth_day").occurrence(2027)
    assert occurrence is not None and not occurrence.is_announced
    start, end = occurrence.bounds()
    assert start == datetime(2027, 4, 22, tzinfo=SHANGHAI)
    assert end == datetime(2027, 4, 23, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("year", "low_carbon_day", "week"),
    [
        (2013, date(2013, 6, 17), None),
        (2023, date(2023, 7, 12), (date(2023, 7, 10), date(2023, 7, 16))),
        (2024, date(2024, 5, 15), (date(2024, 5, 13), date(2024, 5, 19))),
        (2025, date(2025, 6, 25), (date(2025, 6, 23), date(2025, 6, 29))),
    ],
)
def test_low_carbon_day_and_energy_week_are_the_announced_dates(
    year: int, low_carbon_day: date, week: tuple[date, date] | None
) -> None:
    day = _day("low_carbon_day").occurrence(year)
    assert day is not None and day.first == low_carbon_day and day.source.startswith("http")
    if week is not None:
        announced = _day("energy_week").occurrence(year)
        assert announced is not None and (announced.first, announced.last) == week
        assert announced.first <= low_carbon_day <= announced.last


def test_a_year_without_an_announcement_has_no_date_for_days_that_move() -> None:
    assert _day("low_carbon_day").occurrence(2026) is None
    assert _day("energy_week").occurrence(2030) is None


def test_every_announced_date_has_a_source_and_a_date_without_one_is_refused() -> None:
    for day in calendar.load_themed_days():
        for occurrence in day.announced.values():
            assert occurrence.source.startswith(("http://", "https://"))
    entry = {
        "key": "x",
        "name": {"zh": "x", "en": "x"},
        "rule": {"zh": "x", "en": "x"},
        "source": {"title": "x", "url": "https://example.org"},
        "dates": [{"year": 2027, "first": date(2027, 6, 1), "last": date(2027, 6, 1)}],
    }
    with pytest.raises(ValueError, match="source"):
        calendar.parse_themed_days({"themed_days": [entry]})


@pytest.mark.parametrize(
    ("base", "percent", "bonus"),
    [(100, 200, 100), (41, 150, 20), (1, 150, 0), (7, 101, 0), (250, 500, 1000), (0, 300, 0)],
)
def test_bonus_is_base_times_multiplier_less_one_rounded_down(
    base: int, percent: int, bonus: int
) -> None:
    assert bonus_points(base, percent) == bonus


def test_the_award_holds_to_the_cap_and_the_budget() -> None:
    assert award(20, 100, 100) == award(20, 20, 20)
    assert award(20, 100, 100).outcome is Outcome.PAID
    assert (award(20, 5, 100).points, award(20, 5, 100).outcome) == (5, Outcome.CAPPED)
    assert (award(20, 100, 7).points, award(20, 100, 7).outcome) == (7, Outcome.BUDGET)
    assert (award(20, 0, 0).points, award(20, 3, 0).outcome) == (0, Outcome.BUDGET)
    assert award(20, 0, 50).outcome is Outcome.CAPPED


def test_window_phases_and_the_grace_for_late_data() -> None:
    start = datetime(2027, 6, 1, tzinfo=SHANGHAI)
    window = Window(start, start + timedelta(days=1), grace_hours=48)
    end, until = window.ends_at, window.counts_until
    assert until == end + timedelta(hours=48)
    assert window.phase(start - timedelta(seconds=1)) is Phase.UPCOMING
    assert window.phase(start) is Phase.RUNNING
    assert window.phase(end) is Phase.GRACE and window.phase(until) is Phase.GRACE
    assert window.phase(until + timedelta(seconds=1)) is Phase.ENDED
    assert window.counts(start, until) and window.counts(end - timedelta(seconds=1), until)
    assert not window.counts(end, end)  # the end is exclusive
    assert not window.counts(start, until + timedelta(seconds=1))  # quantified too late
