"""The one rule for text people read: no control characters, no direction overrides, not only
invisible characters."""

from __future__ import annotations

import pytest

from portal.text import text_problem


@pytest.mark.parametrize(
    "value",
    ["张三", "Zhang San", "  ", "", None, "朝阳区", "Ann\u200dMarie", "\u200fשלום", "café"],
)
def test_ordinary_text_passes(value: str | None) -> None:
    assert text_problem(value) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("\x01\x02\x07\x1b[31m\x7f", "control character U+0001"),
        ("red\x1b[31m", "control character U+001B"),
        ("del\x7f", "control character U+007F"),
        ("c1\x85x", "control character U+0085"),
        ("tab\there", "control character U+0009"),
        ("two\r\nlines", "one line"),
        ("two\u2028lines", "one line"),
        ("gpj.\u202eexe", "text-direction control U+202E"),
        ("a\u2066b\u2069", "text-direction control U+2066"),
        ("\u200b\u200d\ufeff", "only invisible characters"),
        ("\u3164\u3000", "only invisible characters"),
    ],
)
def test_what_is_wrong_is_named(value: str, words: str) -> None:
    problem = text_problem(value)
    assert problem is not None and words in str(problem)


def test_multiline_text_may_break_lines_and_nothing_more() -> None:
    assert text_problem("first\r\nsecond\nthird", multiline=True) is None
    assert "U+0007" in str(text_problem("ring\x07", multiline=True))
    assert "U+202E" in str(text_problem("a\n\u202eb", multiline=True))
