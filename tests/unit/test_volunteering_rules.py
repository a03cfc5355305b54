"""The rotating check-in code (60-second steps, the current and the previous accepted, nothing
older or newer) and the checks on a new activity's fields: pure, no app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from portal.errors import InvalidInput
from portal.gamification.volunteering import rules

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T = datetime(2026, 12, 3, 2, 0, 0, tzinfo=UTC)  # 10:00 in Shanghai, a step boundary
STEP = rules.STEP


def test_the_code_holds_for_a_step_and_then_changes() -> None:
    code = rules.checkin_code(SECRET, T)
    assert len(code) == 6 and code.isdigit()
    assert rules.checkin_code(SECRET, T + timedelta(seconds=59)) == code
    assert rules.checkin_code(SECRET, T + STEP) != code
    assert rules.checkin_code("ONSWG4TFOQYTEMZUONSWG4TFOQYTEMZU", T) != code


def test_the_current_and_the_previous_code_are_accepted_and_no_other() -> None:
    now = T + timedelta(seconds=20)
    assert rules.code_matches(SECRET, rules.checkin_code(SECRET, now), now)
    assert rules.code_matches(SECRET, rules.checkin_code(SECRET, now - STEP), now)
    assert not rules.code_matches(SECRET, rules.checkin_code(SECRET, now - 2 * STEP), now)
    assert not rules.code_matches(SECRET, rules.checkin_code(SECRET, now + STEP), now)


def test_a_typed_code_is_read_forgivingly_but_must_be_six_digits() -> None:
    code = rules.checkin_code(SECRET, T)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    for typed in (f"{code[:3]} {code[3:]}", f"{code[:3]}-{code[3:]}", full_width):
        assert rules.code_matches(SECRET, typed, T), typed
    for typed in ("", code[:5], code + "0", "abcdef", "000000" if code != "000000" else "111111"):
        assert not rules.code_matches(SECRET, typed, T), typed


def test_seconds_left_count_down_within_a_step() -> None:
    assert rules.seconds_left(T) == 60
    assert rules.seconds_left(T + timedelta(seconds=59)) == 1


def test_check_in_is_open_from_the_start_until_just_before_the_end() -> None:
    start, end = T, T + timedelta(hours=2)
    assert rules.is_open(start, end, start)
    assert rules.is_open(start, end, end - timedelta(seconds=1))
    assert not rules.is_open(start, end, end)
    assert not rules.is_open(start, end, start - timedelta(seconds=1))


GOOD: dict[str, object] = {
    "title": " 捡拾垃圾 ",
    "place": "净月潭",
    "description": "",
    "starts_at": T,
    "ends_at": T + timedelta(hours=3),
    "minutes": 120,
}


def test_good_fields_are_kept_stripped() -> None:
    fields = rules.check_fields(**GOOD, now=T)  # type: ignore[arg-type]
    assert fields.title == "捡拾垃圾" and fields.credited_minutes == 120


@pytest.mark.parametrize(
    ("change", "field", "english"),
    [
        ({"title": "  "}, "title", "required"),
        ({"place": "地" * 81}, "place", "At most 80"),
        ({"starts_at": None}, "starts_at", "start time"),
        ({"ends_at": T}, "ends_at", "after the start"),
        ({"ends_at": T + timedelta(days=4)}, "ends_at", "three days"),
        ({"minutes": 0}, "minutes", "whole number"),
        ({"minutes": True}, "minutes", "whole number"),
        ({"minutes": "60"}, "minutes", "whole number"),
        ({"minutes": 200}, "minutes", "exceed"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(
    change: dict[str, object], field: str, english: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_fields(**{**GOOD, **change}, now=T)  # type: ignore[arg-type]
    assert refused.value.field == field
    with force_locale("en"):
        assert english in str(refused.value.message)


def test_an_activity_already_over_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        rules.check_fields(**GOOD, now=T + timedelta(hours=3))  # type: ignore[arg-type]
    assert refused.value.field == "ends_at"
