"""Activity units of the 22 scenarios and exact conversion between them.

A methodology declares one canonical activity unit; a record may arrive in another unit of the
same dimension (metres for a km-based methodology, grams for a kg-based one) and is converted
here before the formula sees it. Conversion never crosses dimensions: kilograms never become
kilometres, meals never become orders.

All arithmetic is :class:`~decimal.Decimal` in :data:`DECIMAL_CONTEXT`, never float.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, InvalidOperation, Overflow
from types import MappingProxyType

# 34 significant digits (IEEE decimal128) with every inexact-but-silent trap that could hide
# a bad number turned into an exception; quantities and factors have far fewer digits, so
# rounding at this precision never reaches a whole gram. Per-record arithmetic calls its methods
# (DECIMAL_CONTEXT.multiply(a, b)): the same result as a * b inside localcontext(DECIMAL_CONTEXT)
# without entering a context each time (~0.7 µs, more than the arithmetic); the status flags
# the methods set on it are never read.
DECIMAL_CONTEXT = Context(prec=34, traps=[InvalidOperation, DivisionByZero, Overflow])

# Our assumption, not a value from scenario_factors.yaml (the walking scenario gives no stride;
# it only says 0.30 kg/day is "about 18,000 steps"). 0.7 m is a typical adult walking step; it is
# used only when a record gives a distance for a step-based methodology or steps for a km-based
# one.
STEP_LENGTH_M = Decimal("0.7")


class UnknownUnit(ValueError):
    """A unit code that is not in :data:`UNITS`."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown activity unit {code!r}; known: {', '.join(UNITS)}")
        self.code = code


class UnitMismatch(ValueError):
    """Two units of different dimensions, which no conversion may join."""

    def __init__(self, from_unit: Unit, to_unit: Unit) -> None:
        super().__init__(
            f"cannot convert {from_unit.code!r} ({from_unit.dimension}) "
            f"to {to_unit.code!r} ({to_unit.dimension})"
        )
        self.from_unit = from_unit.code
        self.to_unit = to_unit.code


@dataclass(frozen=True)
class Unit:
    """One activity unit.

    ``size`` is how many of the dimension's base unit one of this unit is (length: metres,
    mass: kilograms, energy: megajoules; a count dimension has the unit itself as base).
    ``label_en`` is the English plural ("meals"); ``label_en_one`` the singular after a count
    of one ("1 meal"), the same for symbols ("1 km").
    """

    code: str
    dimension: str
    label_zh: str
    label_en: str
    size: Decimal
    label_en_one: str = ""

    def label(self, language: str, count: Decimal | float | None = None) -> str:
        """The unit's name in ``language`` ("zh" or "en"), singular after a count of one."""
        if language != "en":
            return self.label_zh
        if count is not None and count == 1 and self.label_en_one:
            return self.label_en_one
        return self.label_en


def _count(code: str, label_zh: str, label_en: str, label_en_one: str) -> Unit:
    # Each countable thing is its own dimension: a meal is not an order.
    return Unit(code, code, label_zh, label_en, Decimal(1), label_en_one)


UNITS: Mapping[str, Unit] = MappingProxyType(
    {
        unit.code: unit
        for unit in (
            Unit("m", "length", "米", "m", Decimal(1)),
            Unit("km", "length", "公里", "km", Decimal(1000)),
            Unit("steps", "length", "步", "steps", STEP_LENGTH_M, "step"),
            Unit("g", "mass", "克", "g", Decimal("0.001")),
            Unit("kg", "mass", "千克", "kg", Decimal(1)),
            # Base MJ keeps both sizes exact: 1 kWh = 3.6 MJ, 1 GJ = 1000 MJ.
            Unit("kWh", "energy", "千瓦时", "kWh", Decimal("3.6")),
            Unit("GJ", "energy", "吉焦", "GJ", Decimal(1000)),
            Unit("m3", "volume", "立方米", "m³", Decimal(1)),
            Unit("m2", "area", "平方米", "m²", Decimal(1)),
            _count("meal", "餐", "meals", "meal"),
            _count("order", "单", "orders", "order"),
            _count("room_night", "间夜", "room-nights", "room-night"),
            _count("item", "件", "items", "item"),
            _count("package", "个包裹", "packages", "package"),
            _count("passage", "次通行", "passages", "passage"),
            _count("appliance_year", "台·年", "appliance-years", "appliance-year"),
        )
    }
)


def get_unit(code: str) -> Unit:
    """Return the unit with this code; raise :class:`UnknownUnit` if there is none."""
    try:
        return UNITS[code]
    except KeyError:
        raise UnknownUnit(code) from None


def convert(quantity: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Convert ``quantity`` of ``from_unit`` into ``to_unit``.

    Exact for every pair except those involving steps (the 0.7 m stride gives repeating
    decimals), which carry 34 significant digits. The same unit returns ``quantity`` unchanged.

    Raises :class:`UnknownUnit` for a code not in :data:`UNITS`, :class:`UnitMismatch` when
    the units measure different dimensions, and :class:`TypeError` for a non-Decimal
    quantity (floats are refused so that no binary rounding enters a reduction).
    """
    if not isinstance(quantity, Decimal):
        raise TypeError(f"quantity must be a Decimal, not {type(quantity).__name__}")
    if from_unit == to_unit and from_unit in UNITS:  # most records: no lookups, no arithmetic
        return quantity
    source, target = get_unit(from_unit), get_unit(to_unit)
    if source.dimension != target.dimension:
        raise UnitMismatch(source, target)
    return DECIMAL_CONTEXT.divide(DECIMAL_CONTEXT.multiply(quantity, source.size), target.size)
