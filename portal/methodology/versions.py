"""A methodology version's recipe (:class:`VersionSpec`) and its ``definition`` JSON.

The definition is the whole quantification recipe of one version — formula, record
parameters, factors with their sources, caps, plausibility bounds, evidence tiers — so a filed
version never depends on the data files again and every reduction can be explained from it.
Decimals travel as strings. A seed methodology (``seed_specs.MethodologySpec``) is this recipe
plus its name and sources, so it is written to a definition by the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal, cast

from portal.methodology.engine import (
    PERIODS,
    Caps,
    Confidence,
    FactorSpec,
    PeriodCap,
    RecordParameter,
    Source,
    formula_names,
)
from portal.methodology.units import get_unit

DEFINITION_SCHEMA = 1

EvidenceTier = Literal["self_report", "photo", "document", "partner"]
EVIDENCE_TIERS: Final[tuple[EvidenceTier, ...]] = ("self_report", "photo", "document", "partner")


@dataclass(frozen=True)
class Plausibility:
    """Bounds beyond which a record is flagged for review rather than trusted.

    ``max_quantity`` per record in the activity unit; ``max_speed_kmh`` average speed for
    self-propelled trips.
    """

    max_quantity: Decimal | None = None
    max_speed_kmh: Decimal | None = None


@dataclass(frozen=True)
class VersionSpec:
    """A version's recipe as the engine and the intake rules need it (a ``FormulaSpec``).

    ``formula_text``, ``unit_text`` and ``caps_text`` are the data file's prose, kept for the
    methodology pages; ``interpretation`` says how the overlay read that prose.
    """

    activity_unit: str
    formula: str
    parameters: tuple[RecordParameter, ...]
    factors: tuple[FactorSpec, ...]
    caps: Caps
    plausibility: Plausibility
    evidence_tiers: tuple[EvidenceTier, ...]
    self_report: bool
    formula_text: str
    unit_text: str
    caps_text: str
    interpretation: str
    notes: str


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _period(cap: PeriodCap) -> dict[str, Any]:
    return {"grams": cap.grams, "quantity": _dec(cap.quantity), "records": cap.records}


def _source_json(source: Source) -> dict[str, Any]:
    return {"title": source.title, "issuer": source.issuer, "year": source.year, "url": source.url}


def definition_from_spec(spec: VersionSpec) -> dict[str, Any]:
    """The JSON-ready definition of a version built from a seed spec (or a stored one)."""
    return {
        "schema": DEFINITION_SCHEMA,
        "activity_unit": spec.activity_unit,
        "formula": spec.formula,
        "parameters": [
            {
                "name": p.name,
                "unit": p.unit,
                "label_zh": p.label_zh,
                "label_en": p.label_en,
                "default": _dec(p.default),
                "is_flag": p.is_flag,
                "plausible_min": _dec(p.plausible_min),
                "plausible_max": _dec(p.plausible_max),
            }
            for p in spec.parameters
        ],
        "factors": [
            {
                "name": f.name,
                "value": str(f.value),
                "unit": f.unit,
                "basis": f.basis,
                "confidence": f.confidence,
                "sources": [_source_json(s) for s in f.sources],
            }
            for f in spec.factors
        ],
        "caps": {
            "day": _period(spec.caps.day),
            "month": _period(spec.caps.month),
            "year": _period(spec.caps.year),
        },
        "plausibility": {
            "max_quantity": _dec(spec.plausibility.max_quantity),
            "max_speed_kmh": _dec(spec.plausibility.max_speed_kmh),
        },
        "evidence_tiers": list(spec.evidence_tiers),
        "self_report": spec.self_report,
        "formula_text": spec.formula_text,
        "unit_text": spec.unit_text,
        "caps_text": spec.caps_text,
        "interpretation": spec.interpretation,
        "notes": spec.notes,
    }


def _period_cap(data: dict[str, Any]) -> PeriodCap:
    return PeriodCap(
        grams=data.get("grams"), quantity=_undec(data.get("quantity")), records=data.get("records")
    )


def spec_from_definition(definition: dict[str, Any]) -> VersionSpec:
    """Read a stored definition back; raises ``ValueError`` if it is malformed."""
    if definition.get("schema") != DEFINITION_SCHEMA:
        raise ValueError(f"unknown definition schema {definition.get('schema')!r}")
    get_unit(definition["activity_unit"])  # refuses an unknown unit
    parameters = tuple(
        RecordParameter(
            name=p["name"],
            unit=p["unit"],
            label_zh=p["label_zh"],
            label_en=p["label_en"],
            default=_undec(p.get("default")),
            is_flag=bool(p.get("is_flag")),
            plausible_min=_undec(p.get("plausible_min")),
            plausible_max=_undec(p.get("plausible_max")),
        )
        for p in definition["parameters"]
    )
    factors = tuple(
        FactorSpec(
            name=f["name"],
            value=Decimal(f["value"]),
            unit=f["unit"],
            basis=f["basis"],
            confidence=cast(Confidence, f["confidence"]),
            sources=tuple(
                Source(s["title"], s["issuer"], s.get("year"), s.get("url")) for s in f["sources"]
            ),
        )
        for f in definition["factors"]
    )
    known = {"Q", *(p.name for p in parameters), *(f.name for f in factors)}
    unknown = formula_names(definition["formula"]) - known
    if unknown:
        raise ValueError(f"formula uses unknown names: {', '.join(sorted(unknown))}")
    caps = definition["caps"]
    plausibility = definition["plausibility"]
    return VersionSpec(
        activity_unit=definition["activity_unit"],
        formula=definition["formula"],
        parameters=parameters,
        factors=factors,
        caps=Caps(
            day=_period_cap(caps["day"]),
            month=_period_cap(caps["month"]),
            year=_period_cap(caps["year"]),
        ),
        plausibility=Plausibility(
            max_quantity=_undec(plausibility.get("max_quantity")),
            max_speed_kmh=_undec(plausibility.get("max_speed_kmh")),
        ),
        evidence_tiers=tuple(cast(EvidenceTier, t) for t in definition["evidence_tiers"]),
        self_report=bool(definition["self_report"]),
        formula_text=definition.get("formula_text", ""),
        unit_text=definition.get("unit_text", ""),
        caps_text=definition.get("caps_text", ""),
        interpretation=definition.get("interpretation", ""),
        notes=definition.get("notes", ""),
    )


# What filing (and publishing, and seeding) demands of a version beyond a readable definition:
# a grams cap, so that no parameter can mint without bound, and a plausible range for every
# record parameter, so that an outlier goes to review. Codes, translated by the caller.
NO_GRAMS_CAP: Final = "no_grams_cap"
NO_RANGE: Final = "no_range"
BAD_RANGE: Final = "bad_range"


def filing_problems(spec: VersionSpec) -> list[tuple[str, str | None]]:
    """Why ``spec`` cannot be filed, as ``(code, parameter name or None)``; empty when it can.

    ``no_grams_cap``: no period caps grams per person; ``no_range``: a parameter declares no
    plausible maximum; ``bad_range``: its minimum is above its maximum.
    """
    problems: list[tuple[str, str | None]] = []
    if all(spec.caps.for_period(period).grams is None for period in PERIODS):
        problems.append((NO_GRAMS_CAP, None))
    for parameter in spec.parameters:
        low, high = parameter.plausible_min, parameter.plausible_max
        if high is None:
            problems.append((NO_RANGE, parameter.name))
        elif low is not None and low > high:
            problems.append((BAD_RANGE, parameter.name))
    return problems


def is_outside_range(parameter: RecordParameter, value: Decimal) -> bool:
    """Whether a record's ``value`` lies outside the parameter's declared plausible range."""
    low, high = parameter.plausible_min, parameter.plausible_max
    return (low is not None and value < low) or (high is not None and value > high)
