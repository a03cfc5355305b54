"""The pure age and token rules of ``portal.accounts.rules`` (no app, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.accounts import rules

NEW_YEAR = date(2026, 1, 1)
NEW_YEARS_EVE = date(2026, 12, 31)


@pytest.mark.parametrize("today", [NEW_YEAR, NEW_YEARS_EVE])
def test_age_counts_only_the_years_surely_completed(today: date) -> None:
    assert rules.age(2012, today) == 13  # 13 or 14 in 2026: taken as 13 all year
    assert rules.age(2026, today) == 0
    assert rules.age(1990, today) == 35


def test_minor_until_the_year_after_the_fourteenth_birthday() -> None:
    assert rules.is_minor(2012, NEW_YEARS_EVE)
    assert not rules.is_minor(2012, date(2027, 1, 1))
    assert rules.is_minor(2020, NEW_YEAR)
    assert not rules.is_minor(None, NEW_YEAR)  # accounts older than the question


def test_adult_only_when_surely_eighteen() -> None:
    assert not rules.is_adult(2008, NEW_YEARS_EVE)  # 17 or 18
    assert rules.is_adult(2007, NEW_YEAR)
    assert not rules.is_adult(None, NEW_YEAR)


@pytest.mark.parametrize(
    ("year", "ok"),
    [(2026, True), (1906, True), (2027, False), (1905, False), ("2010", False), (True, False)],
)
def test_birth_year_problem(year: object, ok: bool) -> None:
    assert (rules.birth_year_problem(year, NEW_YEAR) is None) is ok


def test_tokens_are_random_shaped_and_stored_only_as_digests() -> None:
    first, second = rules.new_token(), rules.new_token()
    assert first != second and rules.is_token(first)
    assert not rules.is_token("x") and not rules.is_token(first[:-1] + "!")
    digest = rules.token_digest(first)
    assert len(digest) == 64 and first not in digest
    assert rules.token_digest(first) == digest
