"""The badge engine without an app: the data file, tiers earned, and what the next tier needs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.gamification.rules import (
    LEVELS,
    MEASURES,
    Progress,
    due_awards,
    earned_tiers,
    get_badge,
    in_written_unit,
    load_badges,
    next_step,
    parse_badges,
)


def _badge(key: str):  # type: ignore[no-untyped-def]
    badge = get_badge(key)
    assert badge is not None
    return badge


def test_the_data_file_defines_every_criterion_of_the_issue_with_three_tiers() -> None:
    badges = load_badges()
    assert {b.measure.code for b in badges} == set(MEASURES)
    for badge in badges:
        assert [t.level for t in badge.tiers] == list(LEVELS)
        assert badge.name_zh and badge.name_en and badge.description_zh and badge.description_en
    assert [t.threshold for t in _badge("streak").tiers] == [3, 7, 30]
    assert [t.base for t in _badge("cyclist").tiers] == [10_000, 100_000, 1_000_000]  # metres
    assert [t.base for t in _badge("reducer").tiers] == [1000, 10_000, 100_000]  # grams


def test_tiers_are_earned_at_their_threshold_not_before() -> None:
    reducer = _badge("reducer")
    assert earned_tiers(reducer, Progress({"kg_reduced": 999})) == ()
    assert [t.level for t in earned_tiers(reducer, Progress({"kg_reduced": 1000}))] == ["bronze"]
    gold = earned_tiers(reducer, Progress({"kg_reduced": 250_000}))
    assert [t.level for t in gold] == ["bronze", "silver", "gold"]


def test_due_awards_lists_every_tier_reached_for_every_person() -> None:
    due = due_awards({1: Progress({"credited_records": 10}), 2: Progress()})
    assert due == [(1, "first_record", "bronze"), (1, "first_record", "silver")]


def test_the_points_balance_is_no_measure() -> None:
    assert not any("point" in code or "balance" in code for code in MEASURES)


def test_still_needed_is_in_the_unit_people_read_and_never_rounded_down() -> None:
    cyclist = _badge("cyclist")
    step = next_step(cyclist, Progress({"cycled_km": 6_801}))
    assert step is not None and step.tier.level == "bronze"
    assert step.still_needed == 3_199 and in_written_unit(cyclist, step.still_needed) == Decimal(
        "3.2"
    )
    assert in_written_unit(cyclist, 3_000) == Decimal(3)
    records = next_step(_badge("first_record"), Progress({"credited_records": 4}))
    assert records is not None and records.tier.level == "silver" and records.still_needed == 6


def test_a_streak_tier_needs_the_run_still_alive_not_the_best_one() -> None:
    streak = _badge("streak")
    # Best run 5 days (bronze held); the live run is 2 days: silver needs 5 more, not 2.
    step = next_step(streak, Progress({"streak_days": 5}, current_streak=2))
    assert step is not None and step.tier.level == "silver"
    assert step.still_needed == 5 and step.done == 2


def test_all_tiers_held_leaves_no_next_step() -> None:
    assert next_step(_badge("donor"), Progress({"donations": 20})) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"measure": "points_balance"}, "unknown measure"),
        ({"tiers": {"bronze": 5, "silver": 5, "gold": 9}}, "increasing"),
        ({"tiers": {"gold": 1, "silver": 2, "bronze": 3}}, "in that order"),
        ({"measure": "cycled_km"}, "scenarios"),
    ],
)
def test_a_malformed_badge_is_refused(change: dict[str, object], message: str) -> None:
    entry = {
        "key": "x",
        "measure": "donations",
        "pictogram": "heart",
        "tiers": {"bronze": 1, "silver": 2, "gold": 3},
        "name": {"zh": "甲", "en": "A"},
        "description": {"zh": "甲", "en": "A"},
        **change,
    }
    with pytest.raises(ValueError, match=message):
        parse_badges({"badges": [entry]})
