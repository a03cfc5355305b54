"""The event footprint engine: a hand-checked example, rounding up, monotonicity and the
refusals of implausible inputs. Pure: no app, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.errors import InvalidInput
from portal.market.events import footprint
from portal.market.events.footprint import BOUNDS, compute, line_grams, tonnes_for, validate_inputs

FACTORS = footprint.load_factors()


def test_every_factor_has_a_source_a_vintage_and_an_input() -> None:
    assert set(FACTORS) == set(BOUNDS)
    for factor in FACTORS.values():
        assert factor.source_title and factor.source_issuer and factor.vintage
        assert factor.confidence in {"published", "derived", "estimate"}
    assert FACTORS["electricity_kwh"].value == Decimal("0.4671")  # Jilin grid, 2023


def test_a_hand_checked_footprint() -> None:
    inputs = validate_inputs(
        {"electricity_kwh": "1000", "travel_hsr": "2000.5", "meals": "3"}, attendees=100
    )
    result = compute(inputs, FACTORS)
    # 1000 kWh × 0.4671 kg = 467.1 kg = 467,100 g
    # 2000.5 pkm × 0.03048 kg = 60.97524 kg = 60,975.24 g -> 60,976 g (rounded up)
    # 3 meals × 3.092 kg = 9,276 g
    assert result.by_category["energy"] == 467_100
    assert result.by_category["travel"] == 60_976
    assert result.by_category["catering"] == 9_276
    assert result.total_grams == 537_352
    assert result.tonnes == 1  # 0.537 t rounds up to a whole tonne


def test_rounding_is_always_up() -> None:
    assert line_grams(Decimal("0.01"), Decimal("0.02733")) == 1  # 0.2733 g -> 1 g
    assert line_grams(Decimal("1"), Decimal("0.4671")) == 468  # 467.1 g -> 468 g
    assert line_grams(Decimal("2"), Decimal("0.5")) == 1000  # exact stays exact
    assert tonnes_for(0) == 0
    assert tonnes_for(1) == 1
    assert tonnes_for(1_000_000) == 1
    assert tonnes_for(1_000_001) == 2


def test_blank_inputs_count_as_zero() -> None:
    result = compute(validate_inputs({}, attendees=10), FACTORS)
    assert result.total_grams == 0 and result.tonnes == 0
    assert list(result.by_category) == list(footprint.CATEGORIES)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"meals": "-1"}, "negative"),
        ({"meals": "abc"}, "number"),
        ({"meals": "NaN"}, "number"),
        ({"meals": "Infinity"}, "number"),
        ({"meals": 1.5}, "number"),
        ({"meals": "1.005"}, "two decimal"),
        ({"meals": "9001"}, "plausible"),  # 100 attendees × 90 meals is the most
        ({"travel_air": "2000001"}, "plausible"),
        ({"nonsense": "1"}, "not a footprint input"),
    ],
)
def test_refusals_name_the_field(raw: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_inputs(raw, attendees=100)
    assert refused.value.field == next(iter(raw))
    assert message in str(refused.value.message)


def test_bounds_grow_with_attendees() -> None:
    assert validate_inputs({"meals": "9000"}, attendees=100)["meals"] == Decimal(9000)
    validate_inputs({"meals": "90000"}, attendees=1000)
    with pytest.raises(InvalidInput):
        validate_inputs({"meals": "90000"}, attendees=100)


quantity = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False)
inputs = st.dictionaries(st.sampled_from(sorted(BOUNDS)), quantity)


@given(inputs, st.sampled_from(sorted(BOUNDS)), quantity)
def test_more_input_never_gives_less_footprint(
    base: dict[str, Decimal], key: str, extra: Decimal
) -> None:
    before = compute(base, FACTORS)
    more = {**base, key: base.get(key, Decimal(0)) + extra}
    after = compute(more, FACTORS)
    assert after.total_grams >= before.total_grams
    assert after.tonnes >= before.tonnes
    for category, grams in before.by_category.items():
        assert after.by_category[category] >= grams


@given(inputs)
def test_the_total_is_the_sum_of_the_lines_and_never_below_the_exact_value(
    values: dict[str, Decimal],
) -> None:
    result = compute(values, FACTORS)
    exact = sum(
        (values.get(k, Decimal(0)) * f.value * 1000 for k, f in FACTORS.items()), Decimal(0)
    )
    assert result.total_grams == sum(line.grams for line in result.lines)
    assert exact <= result.total_grams < exact + len(FACTORS)
    assert result.tonnes * 1_000_000 >= result.total_grams
