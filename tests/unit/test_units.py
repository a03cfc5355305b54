"""Activity units: exact conversion within a dimension, refusal across dimensions."""

from decimal import Decimal

import pytest

from portal.methodology.units import (
    STEP_LENGTH_M,
    UNITS,
    UnitMismatch,
    UnknownUnit,
    convert,
    get_unit,
)


@pytest.mark.parametrize(
    ("quantity", "from_unit", "to_unit", "expected"),
    [
        ("12.3", "km", "km", "12.3"),
        ("7770", "m", "km", "7.77"),
        ("1.5", "km", "m", "1500"),
        ("3370", "g", "kg", "3.37"),
        ("2.5", "kg", "g", "2500"),
        # 1 kWh = 3.6 MJ = 0.0036 GJ, exactly.
        ("10000", "kWh", "GJ", "36"),
        ("36", "GJ", "kWh", "10000"),
        # The 0.7 m stride: 10,000 steps x 0.7 m = 7 km, and back.
        ("10000", "steps", "km", "7"),
        ("7", "km", "steps", "10000"),
        ("3", "meal", "meal", "3"),
    ],
)
def test_convert_within_a_dimension_is_exact(
    quantity: str, from_unit: str, to_unit: str, expected: str
) -> None:
    assert convert(Decimal(quantity), from_unit, to_unit) == Decimal(expected)


def test_same_unit_returns_the_quantity_untouched() -> None:
    quantity = Decimal("1.2300")
    assert convert(quantity, "kg", "kg") is quantity


def test_a_kilometre_is_1428_and_a_fraction_steps() -> None:
    # 1000 m / 0.7 m = 1428.571428..., carried to 34 significant digits, not rounded to a step.
    steps = convert(Decimal(1), "km", "steps")
    assert Decimal("1428.5714285714") < steps < Decimal("1428.5714285715")
    assert Decimal("0.7") == STEP_LENGTH_M


@pytest.mark.parametrize(
    ("from_unit", "to_unit"),
    [("kg", "km"), ("meal", "order"), ("kWh", "m3"), ("m2", "m"), ("steps", "kg")],
)
def test_convert_across_dimensions_names_both_units(from_unit: str, to_unit: str) -> None:
    with pytest.raises(UnitMismatch, match=f"'{from_unit}'.*'{to_unit}'") as caught:
        convert(Decimal(1), from_unit, to_unit)
    assert isinstance(caught.value, ValueError)
    assert (caught.value.from_unit, caught.value.to_unit) == (from_unit, to_unit)


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(UnknownUnit, match="'furlong'"):
        convert(Decimal(1), "furlong", "km")
    with pytest.raises(UnknownUnit, match="'furlong'"):
        convert(Decimal(1), "furlong", "furlong")
    with pytest.raises(UnknownUnit):
        get_unit("tonne")


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        convert(1.5, "km", "m")  # type: ignore[arg-type]


def test_every_unit_has_both_labels_and_a_positive_size() -> None:
    for code, unit in UNITS.items():
        assert unit.code == code
        assert unit.label_zh and unit.label_en
        assert unit.size > 0


def test_english_unit_names_are_singular_after_one() -> None:
    meal = get_unit("meal")
    assert [meal.label("en", n) for n in (1, Decimal("1.000"), 2, Decimal("0.5"))] == [
        "meal",
        "meal",
        "meals",
        "meals",
    ]
    assert get_unit("steps").label("en", 1) == "step"
    assert get_unit("km").label("en", 1) == "km"
    assert meal.label("zh", 1) == "餐" and meal.label("en") == "meals"
    assert all(u.label_en_one for u in UNITS.values() if u.dimension == u.code)  # every count
