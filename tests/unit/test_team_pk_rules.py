"""Team challenge rules: the period from Shanghai days, the phases at their boundaries, the
freeze and review-window arithmetic, members at the end, the metrics and the ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.errors import InvalidInput
from portal.teams.pk import rules

TODAY = date(2026, 12, 3)
WHEN = rules.period(date(2026, 12, 7), date(2026, 12, 13), TODAY)
REVIEW = timedelta(hours=48)


def test_a_period_runs_from_shanghai_midnight_to_the_midnight_after_the_last_day() -> None:
    assert WHEN.starts_at == datetime(2026, 12, 6, 16, tzinfo=UTC)
    assert WHEN.ends_at == datetime(2026, 12, 13, 16, tzinfo=UTC)
    one_day = rules.period(date(2026, 12, 4), date(2026, 12, 4), TODAY)
    assert one_day.ends_at - one_day.starts_at == timedelta(days=1)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (None, date(2026, 12, 9), "starts_on"),
        (date(2026, 12, 9), None, "ends_on"),
        (TODAY, date(2026, 12, 9), "starts_on"),  # today has begun
        (date(2026, 12, 9), date(2026, 12, 8), "ends_on"),  # reversed
        (date(2026, 12, 4), date(2026, 12, 4) + timedelta(days=rules.MAX_DAYS), "ends_on"),
        (TODAY + timedelta(days=rules.MAX_LEAD_DAYS + 1), date(2027, 7, 1), "starts_on"),
    ],
)
def test_bad_periods_name_their_field(first: date | None, last: date | None, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.period(first, last, TODAY)
    assert refused.value.field == field


def test_the_longest_period_is_allowed() -> None:
    first = date(2026, 12, 4)
    rules.period(first, first + timedelta(days=rules.MAX_DAYS - 1), TODAY)


def test_overlap_is_half_open() -> None:
    after = rules.Period(WHEN.ends_at, WHEN.ends_at + timedelta(days=3))
    inside = rules.Period(WHEN.ends_at - timedelta(seconds=1), WHEN.ends_at + timedelta(days=1))
    assert not rules.overlaps(WHEN, after) and not rules.overlaps(after, WHEN)
    assert rules.overlaps(WHEN, inside) and rules.overlaps(WHEN, WHEN)


def test_phases_at_their_boundaries() -> None:
    second = timedelta(microseconds=1)
    s, e = WHEN.starts_at, WHEN.ends_at
    assert rules.phase(rules.SCHEDULED, WHEN, REVIEW, s - second) == rules.UPCOMING
    assert rules.phase(rules.SCHEDULED, WHEN, REVIEW, s) == rules.RUNNING
    assert rules.phase(rules.SCHEDULED, WHEN, REVIEW, e - second) == rules.RUNNING
    assert rules.phase(rules.SCHEDULED, WHEN, REVIEW, e) == rules.REVIEW
    assert rules.phase(rules.PROPOSED, WHEN, REVIEW, s - second) == rules.PROPOSED
    assert rules.phase(rules.PROPOSED, WHEN, REVIEW, s) == rules.EXPIRED
    assert rules.phase(rules.FINAL, WHEN, REVIEW, s) == rules.FINAL
    assert rules.is_running(rules.SCHEDULED, WHEN, s)
    assert not rules.is_running(rules.SCHEDULED, WHEN, e)
    assert not rules.is_running(rules.PROPOSED, WHEN, s)


def test_the_review_window_and_the_final_snapshot() -> None:
    e = WHEN.ends_at
    second = timedelta(microseconds=1)
    assert not rules.is_final_due(WHEN, REVIEW, e + REVIEW - second)
    assert rules.is_final_due(WHEN, REVIEW, e + REVIEW)
    assert rules.recorded_cutoff(WHEN, REVIEW, e) == e
    assert rules.recorded_cutoff(WHEN, REVIEW, e + timedelta(days=30)) == e + REVIEW
    assert rules.is_final_due(WHEN, timedelta(0), e)


@pytest.mark.parametrize(
    ("occurred", "recorded", "counted"),
    [
        (WHEN.starts_at, WHEN.starts_at, True),  # the first instant
        (WHEN.starts_at - timedelta(microseconds=1), WHEN.starts_at, False),
        (WHEN.ends_at - timedelta(microseconds=1), WHEN.ends_at + timedelta(hours=47), True),
        (WHEN.ends_at, WHEN.ends_at, False),  # after the whistle
        (WHEN.ends_at - timedelta(hours=1), WHEN.ends_at + REVIEW, False),  # too late
        (
            WHEN.ends_at - timedelta(hours=1),
            WHEN.ends_at + REVIEW - timedelta(microseconds=1),
            True,
        ),
    ],
)
def test_late_data_counts_only_within_the_window(
    occurred: datetime, recorded: datetime, counted: bool
) -> None:
    assert rules.counts(WHEN, REVIEW, occurred, recorded) is counted


def test_members_at_the_end_include_who_left_at_the_whistle() -> None:
    e = WHEN.ends_at
    hour = timedelta(hours=1)
    intervals = [
        (1, e - 10 * hour, None),
        (2, e - 10 * hour, e),  # left at the end: still a member
        (3, e - 10 * hour, e - hour),  # left before
        (4, e, None),  # joined at the end: not yet
    ]
    assert rules.members_at(intervals, e) == {1, 2}


def test_metric_values_round_down_and_empty_teams_score_zero() -> None:
    score = rules.Score(1, grams=1001, members=3, participants=2, records=5)
    assert score.value(rules.PER_CAPITA) == 333
    assert score.value(rules.PARTICIPATION) == 666
    assert score.value(rules.SCENARIO) == 5
    empty = rules.Score(2, 0, 0, 0, 0)
    assert empty.value(rules.PER_CAPITA) == empty.value(rules.PARTICIPATION) == 0


def test_metric_needs_a_known_scenario_only_for_scenario_counts() -> None:
    assert rules.metric(rules.PER_CAPITA, "anything", ["bus"]) is None
    assert rules.metric(rules.SCENARIO, "bus", ["bus"]) == "bus"
    for bad in (("nope", None), (rules.SCENARIO, None), (rules.SCENARIO, "tram")):
        with pytest.raises(InvalidInput):
            rules.metric(bad[0], bad[1], ["bus"])


def test_ties_share_a_rank_and_a_win_and_nobody_wins_on_zero_or_alone() -> None:
    assert rules.ranks({1: 50, 2: 80, 3: 50, 4: 10}) == {2: 1, 1: 2, 3: 2, 4: 4}
    assert rules.winners({1: 80, 2: 80, 3: 5}) == {1, 2}
    assert rules.winners({1: 0, 2: 0}) == set()
    assert rules.winners({1: 90}) == set()
