"""The event footprint engine (大型活动碳中和实施指南, MEE 公告2019年第19号): activity data in,
integer grams of CO₂e out, per input line, per category and in total. Pure: no database, no
request; the factors come from ``data/event_factors.yaml`` (each with its source and vintage).

Units: every input is a non-negative decimal quantity in the unit its factor names (person-km,
guest-nights, meals, kWh, GJ, litres, m³, kg); factors are kg per unit. Arithmetic is Decimal
throughout. **Rounding is up**: each line's grams are rounded up to the next whole gram, and the
tonnes to retire are ``ceil(total grams / 10⁶)``, because a footprint must never be understated
(an event offset against too small a number would claim a neutrality it has not reached).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml
from flask_babel import lazy_gettext as _l

from portal.errors import InvalidInput

DATA_FILE = Path(__file__).parent / "data" / "event_factors.yaml"
GRAMS_PER_KG: Final = Decimal(1000)
GRAMS_PER_TONNE: Final = 1_000_000
STEP: Final = Decimal("0.01")  # an input may have at most two decimal places

# The guideline's categories, in the order the pages show them.
CATEGORIES: Final = (
    "travel",
    "accommodation",
    "catering",
    "energy",
    "fuels",
    "materials",
    "waste",
)


@dataclass(frozen=True)
class Bound:
    """The largest plausible quantity of one input: ``fixed + per_attendee × attendees``. A
    value above it is refused as a typing error (an extra zero), not silently accepted."""

    fixed: int
    per_attendee: int

    def limit(self, attendees: int) -> int:
        return self.fixed + self.per_attendee * attendees


# Input key -> bound. The keys are the factors' keys; the order is the form's order.
BOUNDS: Final[Mapping[str, Bound]] = {
    "travel_air": Bound(0, 20_000),  # a return flight across China and back, per person
    "travel_hsr": Bound(0, 10_000),
    "travel_rail": Bound(0, 10_000),
    "travel_coach": Bound(0, 5_000),
    "travel_car": Bound(0, 5_000),
    "travel_metro_bus": Bound(0, 1_000),
    "accommodation_nights": Bound(0, 30),
    "meals": Bound(0, 90),  # three meals a day for a month
    "electricity_kwh": Bound(1_000_000, 100),
    "heat_gj": Bound(10_000, 1),
    "diesel_l": Bound(100_000, 10),
    "gasoline_l": Bound(100_000, 10),
    "natural_gas_m3": Bound(100_000, 10),
    "paper_kg": Bound(10_000, 5),
    "plastics_kg": Bound(10_000, 5),
    "waste_kg": Bound(100_000, 20),
}


@dataclass(frozen=True)
class Factor:
    """One emission factor: ``value`` kg per ``unit``'s denominator, with where it comes from."""

    key: str
    category: str
    value: Decimal
    unit: str
    vintage: str
    confidence: str
    source_title: str
    source_issuer: str
    source_year: int
    source_url: str
    note: str

    @property
    def source_lang(self) -> str:
        """The language of the source's citation ("zh" if it has Chinese characters): shown in
        its own language, marked for readers and screen readers."""
        return "zh" if any("\u4e00" <= c <= "\u9fff" for c in self.source_title) else "en"

    def snapshot(self) -> dict[str, Any]:
        """The factor as JSON, kept with each footprint so the page explains its grams later."""
        return {
            "key": self.key,
            "category": self.category,
            "value": str(self.value),
            "unit": self.unit,
            "vintage": self.vintage,
            "confidence": self.confidence,
            "source_title": self.source_title,
            "source_issuer": self.source_issuer,
            "source_year": self.source_year,
            "source_url": self.source_url,
            "note": self.note,
        }


def parse_factors(document: Any) -> dict[str, Factor]:
    """The factors of a YAML document, checked: every bound has exactly one factor, every
    category is known, every value a positive decimal written as text."""
    factors: dict[str, Factor] = {}
    for row in document["factors"]:
        source = row["source"]
        factor = Factor(
            key=row["key"],
            category=row["category"],
            value=Decimal(str(row["value"])),
            unit=row["unit"],
            vintage=str(row["vintage"]),
            confidence=row["confidence"],
            source_title=source["title"],
            source_issuer=source["issuer"],
            source_year=int(source["year"]),
            source_url=source.get("url") or "",
            note=row.get("note", ""),
        )
        if factor.category not in CATEGORIES or factor.value <= 0 or factor.key in factors:
            raise ValueError(f"bad event factor {factor.key}")
        factors[factor.key] = factor
    if set(factors) != set(BOUNDS):
        raise ValueError("event factors and input bounds disagree")
    return factors


@cache
def load_factors() -> dict[str, Factor]:
    """The shipped factors, read once."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return parse_factors(yaml.safe_load(handle))


def factors_from_snapshot(snapshot: Mapping[str, Mapping[str, Any]]) -> dict[str, Factor]:
    """Factors as a stored footprint saw them (the inverse of ``Factor.snapshot``)."""
    return {key: Factor(**{**row, "value": Decimal(row["value"])}) for key, row in snapshot.items()}


@dataclass(frozen=True)
class Line:
    """One input's share: ``quantity`` × ``factor`` kg, rounded up to whole ``grams``."""

    key: str
    category: str
    quantity: Decimal
    factor: Decimal
    grams: int


@dataclass(frozen=True)
class Footprint:
    lines: tuple[Line, ...]
    by_category: dict[str, int]  # every category, in CATEGORIES order, 0 when nothing entered
    total_grams: int

    @property
    def tonnes(self) -> int:
        """Whole tonnes to retire: ``ceil(total_grams / 10⁶)``."""
        return tonnes_for(self.total_grams)


def tonnes_for(grams: int) -> int:
    return -(-grams // GRAMS_PER_TONNE)


def line_grams(quantity: Decimal, factor: Decimal) -> int:
    """``quantity × factor`` kg in grams, rounded up (ceiling) to a whole gram."""
    return int((quantity * factor * GRAMS_PER_KG).to_integral_value(rounding=ROUND_CEILING))


def compute(inputs: Mapping[str, Decimal], factors: Mapping[str, Factor]) -> Footprint:
    """The footprint of already validated ``inputs`` (missing keys count as zero)."""
    lines = []
    by_category = dict.fromkeys(CATEGORIES, 0)
    for key, factor in factors.items():
        quantity = inputs.get(key, Decimal(0))
        grams = line_grams(quantity, factor.value)
        lines.append(Line(key, factor.category, quantity, factor.value, grams))
        by_category[factor.category] += grams
    return Footprint(tuple(lines), by_category, sum(by_category.values()))


def validate_inputs(raw: Mapping[str, Any], attendees: int) -> dict[str, Decimal]:
    """Every input of ``raw`` (text or numbers; blank = 0) as a Decimal, or InvalidInput naming
    the first field that is not a number, negative, too precise or beyond its bound for
    ``attendees`` people. Unknown keys are refused too."""
    unknown = set(raw) - set(BOUNDS)
    if unknown:
        raise InvalidInput(_l("That is not a footprint input."), field=sorted(unknown)[0])
    return {
        key: _quantity(key, raw.get(key), bound.limit(attendees)) for key, bound in BOUNDS.items()
    }


def _quantity(key: str, value: Any, limit: int) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    if isinstance(value, bool | float):
        raise InvalidInput(_l("Enter a number, such as 1200 or 35.5."), field=key)
    try:
        quantity = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(_l("Enter a number, such as 1200 or 35.5."), field=key) from None
    if not quantity.is_finite():
        raise InvalidInput(_l("Enter a number, such as 1200 or 35.5."), field=key)
    if quantity < 0:
        raise InvalidInput(_l("This amount cannot be negative."), field=key)
    if quantity > limit:
        raise InvalidInput(
            _l(
                "%(value)s is more than this event's size makes plausible (at most %(limit)s); "
                "check for an extra zero.",
                value=quantity,
                limit=limit,
            ),
            field=key,
        )
    if quantity != quantity.quantize(STEP):
        raise InvalidInput(_l("Use at most two decimal places."), field=key)
    return quantity if quantity else Decimal(0)
