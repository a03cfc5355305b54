"""Team rules without an app: the interval arithmetic that credits a team (half-open
boundaries, rejoining, overlapping school and class memberships, clipping to a period), the
figures, the shape of names and sizes, brackets, and the invite tokens and codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.errors import InvalidInput
from portal.teams import invites, rules
from portal.teams.rules import Interval

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_the_joining_instant_counts_and_the_leaving_instant_does_not() -> None:
    windows = rules.credit_windows([Interval(1, at(0), at(10))], None, at(100))
    assert rules.is_credited(windows, 1, at(0))
    assert rules.is_credited(windows, 1, at(9.99))
    assert not rules.is_credited(windows, 1, at(10))
    assert not rules.is_credited(windows, 1, at(-0.01))
    assert not rules.is_credited(windows, 2, at(5))  # another person's interval


def test_an_open_interval_runs_to_the_end_of_the_period() -> None:
    windows = rules.credit_windows([Interval(1, at(0), None)], None, at(50))
    assert windows == [Interval(1, at(0), at(50))]
    assert not rules.is_credited(windows, 1, at(50))


def test_rejoining_counts_both_intervals_and_not_the_gap() -> None:
    intervals = [Interval(1, at(0), at(10)), Interval(1, at(20), None)]
    reductions = [(1, at(5), 100), (1, at(15), 1000), (1, at(25), 10)]
    windows = rules.credit_windows(intervals, None, at(30))
    assert rules.credited_grams(windows, reductions) == {1: 110}


def test_leaving_and_rejoining_at_one_instant_loses_and_doubles_nothing() -> None:
    intervals = [Interval(1, at(0), at(10)), Interval(1, at(10), None)]
    windows = rules.credit_windows(intervals, None, at(30))
    assert windows == [Interval(1, at(0), at(30))]
    assert rules.credited_grams(windows, [(1, at(10), 7)]) == {1: 7}


def test_overlapping_school_and_class_memberships_credit_once() -> None:
    school, klass = Interval(1, at(0), None), Interval(1, at(5), at(20))
    windows = rules.credit_windows([klass, school], None, at(30))
    assert windows == [Interval(1, at(0), at(30))]
    assert rules.credited_grams(windows, [(1, at(6), 50)]) == {1: 50}


def test_intervals_are_clipped_to_the_period() -> None:
    intervals = [Interval(1, at(0), at(10)), Interval(2, at(20), at(30)), Interval(3, at(0), None)]
    windows = rules.credit_windows(intervals, at(5), at(25))
    assert windows == [
        Interval(1, at(5), at(10)),
        Interval(2, at(20), at(25)),
        Interval(3, at(5), at(25)),
    ]
    # Wholly outside the period: no window at all.
    assert rules.credit_windows([Interval(1, at(0), at(5))], at(5), at(9)) == []


def test_figures_per_capita_and_participation_round_down() -> None:
    figures = rules.figures({1: 100, 2: 201, 9: 50}, {1: 1, 2: 3, 9: 1}, {1, 2, 3})
    assert figures.grams == 351  # 9 left the team; what they did while a member counts
    assert figures.members == 3
    assert figures.participants == 2
    assert figures.per_capita_grams == 117
    assert figures.participation_permille == 666
    empty = rules.figures({}, {}, set())
    assert (empty.per_capita_grams, empty.participation_permille) == (0, 0)


@pytest.mark.parametrize("value", ["", "   ", "队" * 41, "a\nb", "\u202egpj"])
def test_bad_names_are_refused_on_the_name_field(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.team_name(value)
    assert refused.value.field == "name"


def test_a_name_is_stripped() -> None:
    assert rules.team_name("  初二（3）班 ") == "初二（3）班"
    assert rules.team_name("队" * 40) == "队" * 40


@pytest.mark.parametrize("value", [-5, 0, 1, 3001, 10**9, True, 2.5, "50"])
def test_negative_absurd_or_non_whole_sizes_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.size_limit(value)
    assert refused.value.field == "size_limit"


def test_sizes_at_the_bounds_pass() -> None:
    assert rules.size_limit(2) == 2
    assert rules.size_limit(3000) == 3000


def test_brackets_follow_the_kind() -> None:
    assert rules.bracket_for("school", "junior", None) == "junior"
    assert rules.bracket_for("class", None, "senior") == "senior"
    assert rules.bracket_for("volunteer", "junior", None) == "volunteer"
    assert rules.bracket_for("company", None, None) == "company"
    for kind, chosen, parent in [
        ("school", "volunteer", None),
        ("class", None, None),
        ("club", None, None),
    ]:
        with pytest.raises(InvalidInput):
            rules.bracket_for(kind, chosen, parent)
    assert rules.slot_for("class", "junior") != rules.slot_for("school", "junior")


def test_an_invite_token_checks_against_its_own_secret_only() -> None:
    secret = invites.new_secret()
    token = invites.sign(42, secret)
    assert invites.claimed_id(token) == 42
    assert invites.check(token, secret, 42) is None
    assert invites.check(token, invites.new_secret(), 42) == "invalid"  # rotated
    assert invites.check(token, secret, 43) == "invalid"
    assert invites.check(token[:-2] + "xx", secret, 42) == "invalid"
    assert invites.claimed_id("not a token") is None


def test_an_old_token_has_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = invites.new_secret()
    token = invites.sign(7, secret)
    later = datetime.now(UTC) + invites.INVITE_LIFETIME + timedelta(minutes=1)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later.timestamp())
    assert invites.check(token, secret, 7) == "expired"


def test_codes_are_typed_loosely_and_printed_in_two_groups() -> None:
    code = invites.new_code()
    assert len(code) == invites.CODE_LENGTH and set(code) <= set(invites.CODE_ALPHABET)
    assert invites.normalise_code(" k7qm-9xdp ") == "K7QM9XDP"
    assert invites.normalise_code("K7QM9XD") is None
    assert invites.normalise_code("K7QM9XD0") is None  # no zero in the alphabet
    assert invites.shown_code("K7QM9XDP") == "K7QM-9XDP"
