"""What grams of CO₂e mean in terms people grasp: car kilometres avoided and urban tree
seedlings grown for 10 years, each from a published figure with its source.

Pure: reads two data files once, no database and no Flask. The car figure is the platform's
own methodology factor ``ef_car_ice`` (scenario_factors.yaml), the tree figure is in
``data/equivalences.yaml`` with what was checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from portal.methodology.seed_specs import DATA_DIR as METHODOLOGY_DATA

DATA_FILE: Final = Path(__file__).resolve().parent / "data" / "equivalences.yaml"
CAR_FACTOR: Final = "ef_car_ice"


@dataclass(frozen=True)
class Equivalence:
    """``grams_per_unit`` grams of CO₂ equal one unit (a car-km, a seedling grown 10 years)."""

    code: str
    grams_per_unit: int
    value: float  # the figure as published, in ``unit``
    unit: str
    title: str
    issuer: str
    year: int | None
    url: str
    note: str

    def tenths(self, grams: int) -> int:
        """How many units ``grams`` make, in tenths, rounded down (0 for no reduction)."""
        return max(grams, 0) * 10 // self.grams_per_unit


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _equivalence(code: str, grams_per_value_unit: int, figure: dict[str, Any]) -> Equivalence:
    """``figure`` holds value, unit, title, issuer, year, url and note; its value is in tonnes
    or kilograms of CO₂ (``grams_per_value_unit``) per unit."""
    return Equivalence(
        code=code,
        grams_per_unit=round(float(figure["value"]) * grams_per_value_unit),
        value=float(figure["value"]),
        unit=str(figure["unit"]),
        title=str(figure["title"]),
        issuer=str(figure["issuer"]),
        year=figure.get("year"),
        url=str(figure["url"]),
        note=str(figure["note"]),
    )


def _car() -> Equivalence:
    factors = _read(METHODOLOGY_DATA / "scenario_factors.yaml")["common_factors"]
    factor = next(f for f in factors if f["id"] == CAR_FACTOR)
    if factor["unit"] != "kgCO2/vehicle-km":
        raise ValueError(f"{CAR_FACTOR} is in {factor['unit']}, expected kgCO2/vehicle-km")
    figure = {**factor["source"], "value": factor["value"], "unit": factor["unit"]}
    return _equivalence("car_km", 1000, {**figure, "note": factor["description"]})


def _tree() -> Equivalence:
    entry = _read(DATA_FILE)["tree_seedlings_10y"]
    if not str(entry["unit"]).startswith("t CO2 per"):
        raise ValueError(f"tree figure is in {entry['unit']}, expected t CO2 per tree")
    return _equivalence("tree_seedlings_10y", 1_000_000, entry)


@cache
def load_equivalences() -> tuple[Equivalence, ...]:
    """The car and the tree equivalence, read and checked once."""
    return (_car(), _tree())
