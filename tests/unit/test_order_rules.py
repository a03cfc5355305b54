"""The pure rules of orders: tonnes and prices as typed, yuan from fen, references, buyers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.errors import InvalidInput
from portal.market import order_rules


@pytest.mark.parametrize(("typed", "tonnes"), [("3", 3), (" 12 ", 12), (7, 7)])
def test_whole_tonnes(typed: Any, tonnes: int) -> None:
    assert order_rules.order_tonnes(typed) == tonnes


@pytest.mark.parametrize("typed", ["0", 0, -1, "-1", "1.5", 1.5, "abc", "", None, True, "1e3"])
def test_tonnes_refused(typed: Any) -> None:
    with pytest.raises(InvalidInput):
        order_rules.order_tonnes(typed)


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("58", 5800),
        ("58.5", 5850),
        ("58.50", 5850),
        ("0.01", 1),
        (6800, 6800),
        ("0001000000", 100_000_000),  # leading zeros are not digits too many
    ],
)
def test_prices_in_fen(typed: Any, fen: int) -> None:
    assert order_rules.price_fen(typed) == fen


@pytest.mark.parametrize("typed", ["0", "0.00", "1.234", "-5", "abc", "", 0, 10**9, 1.5])
def test_prices_refused(typed: Any) -> None:
    with pytest.raises(InvalidInput):
        order_rules.price_fen(typed)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("99999999999999999999", "at most ¥1,000,000"),
        ("1" * 5000, "at most ¥1,000,000"),  # too long for int(): refused before converting
        ("-5", "more than ¥0"),
        ("1000000.01", "at most ¥1,000,000"),
        ("5,000", "such as 58.50"),
        ("¥58", "such as 58.50"),
    ],
)
def test_a_refused_price_says_what_is_wrong(typed: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        order_rules.price_fen(typed)
    assert says in str(refused.value.message)


def test_yuan_text_in_integers() -> None:
    assert order_rules.yuan_text(1_234_550) == "12,345.50"
    assert order_rules.yuan_text(5) == "0.05"
    assert order_rules.yuan_text(-100) == "-1.00"


def test_references_buyers_and_time_left() -> None:
    assert order_rules.payment_reference("  ICBC-2026/11.01 ") == "ICBC-2026/11.01"
    for bad in ("abc", "has space", "中文流水号", "x" * 65, None):
        with pytest.raises(InvalidInput):
            order_rules.payment_reference(bad)
    assert order_rules.may_buy_for("enterprise", "staff")
    assert order_rules.may_buy_for("event_organiser", "manager")
    assert order_rules.may_buy_for("court", "staff")
    assert order_rules.may_buy_for("procuratorate", "manager")
    assert not order_rules.may_buy_for("school", "manager")
    assert not order_rules.may_buy_for("regulator", "manager")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert order_rules.seconds_left(now + timedelta(minutes=2), now) == 120
    assert order_rules.seconds_left(now - timedelta(minutes=2), now) == 0
