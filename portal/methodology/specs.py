"""The 22 seed methodologies, built from the two data files under ``data/``.

``scenario_factors.yaml`` holds the prose, factor values and sources; ``methodologies.yaml`` the
structure a program needs (code, activity unit, formula, caps, evidence). Factor values are
looked up by name, never retyped, and everything is checked at load time: formulas parse in the
safe subset and name only bound factors and declared parameters, every factor exists, is numeric
and cites a source, every unit is known.

A methodology is ``saleable`` only if neither the scenario nor any factor its formula uses is an
``estimate``; estimate-based methodologies are still filed and earn points.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from portal.methodology.engine import (
    PERIODS,
    QUANTITY_NAME,
    Caps,
    Confidence,
    FactorSpec,
    FormulaError,
    PeriodCap,
    RecordParameter,
    Source,
    formula_names,
)
from portal.methodology.units import get_unit

__all__ = [
    "CATEGORIES",
    "EVIDENCE_TIERS",
    "Caps",
    "Category",
    "EvidenceTier",
    "FactorSpec",
    "MethodologySpec",
    "PeriodCap",
    "Plausibility",
    "RecordParameter",
    "Source",
    "SpecError",
    "get_spec",
    "load_specs",
    "parse_specs",
]

DATA_DIR: Final = Path(__file__).resolve().parent / "data"

EvidenceTier = Literal["self_report", "photo", "document", "partner"]
EVIDENCE_TIERS: Final[tuple[EvidenceTier, ...]] = ("self_report", "photo", "document", "partner")
_CONFIDENCES: Final[Mapping[str, Confidence]] = {
    "published": "published",
    "derived": "derived",
    "estimate": "estimate",
}
_EVIDENCE: Final[Mapping[str, EvidenceTier]] = {tier: tier for tier in EVIDENCE_TIERS}
_CODE = re.compile(r"JLCH-([A-Z]{2})-\d{3}")
_ENTRY_KEYS: Final = frozenset(
    {
        "scenario",
        "code",
        "activity_unit",
        "formula",
        "factors",
        "common_factors",
        "parameters",
        "caps",
        "plausibility",
        "evidence",
        "self_report",
        "interpretation",
    }
)


@dataclass(frozen=True)
class Category:
    """A behaviour category: ``code`` as in the data file, ``prefix`` as in methodology codes."""

    code: str
    prefix: str
    name_zh: str
    name_en: str


CATEGORIES: Final[tuple[Category, ...]] = (
    Category("clothing", "CL", "衣", "Clothing"),
    Category("food", "FD", "食", "Food"),
    Category("housing", "HS", "住", "Housing"),
    Category("transport", "TR", "行", "Transport"),
    Category("shopping", "SH", "用", "Shopping"),
    Category("travel", "TV", "游", "Travel"),
    Category("office", "OF", "办公", "Office"),
)


@dataclass(frozen=True)
class Plausibility:
    """Bounds beyond which a record is flagged for review rather than trusted.

    ``max_quantity`` per record in the activity unit; ``max_speed_kmh`` average speed for
    self-propelled trips.
    """

    max_quantity: Decimal | None = None
    max_speed_kmh: Decimal | None = None


@dataclass(frozen=True)
class MethodologySpec:
    """One seed methodology: a scenario of the data file plus its overlay entry.

    ``formula`` yields kg CO2e from ``Q`` (quantity in ``activity_unit``), the ``factors`` and
    the record ``parameters``; it satisfies :class:`~portal.methodology.engine.FormulaSpec`.
    ``formula_text``, ``unit_text`` and ``caps_text`` are the data file's prose, kept for the
    methodology pages; ``interpretation`` says how the overlay read that prose.
    """

    code: str
    scenario_code: str
    title_zh: str
    title_en: str
    category: str
    activity_unit: str
    formula: str
    parameters: tuple[RecordParameter, ...]
    factors: tuple[FactorSpec, ...]
    caps: Caps
    plausibility: Plausibility
    evidence_tiers: tuple[EvidenceTier, ...]
    self_report: bool
    saleable: bool
    confidence: Confidence
    sources: tuple[Source, ...]
    notes: str
    formula_text: str
    unit_text: str
    caps_text: str
    interpretation: str


class SpecError(ValueError):
    """The data files disagree with each other or with what a methodology needs."""


# --------------------------------------------------------------------- field readers


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SpecError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: expected non-empty text, got {value!r}")
    return value


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _number(value: Any, where: str) -> Decimal:
    # YAML gives int or float; going through str gives the decimal as written (0.4671), not the
    # binary float's expansion.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where}: expected a number, got {value!r}")
    number = Decimal(str(value))
    if not number.is_finite() or number < 0:
        raise SpecError(f"{where}: expected a finite number >= 0, got {value!r}")
    return number


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SpecError(f"{where}: expected a positive integer, got {value!r}")
    return value


def _confidence(value: Any, where: str) -> Confidence:
    try:
        return _CONFIDENCES[value]
    except (KeyError, TypeError):
        raise SpecError(f"{where}: unknown confidence {value!r}") from None


def _source(value: Any, where: str) -> Source:
    data = _mapping(value, where)
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise SpecError(f"{where}: year must be an integer, got {year!r}")
    return Source(
        title=_text(data.get("title"), f"{where}.title"),
        issuer=_text(data.get("issuer"), f"{where}.issuer"),
        year=year,
        url=_optional_text(data.get("url"), f"{where}.url"),
    )


# ---------------------------------------------------------------------- overlay parts


def _scenario_factors(
    scenario: Mapping[str, Any], names: Sequence[Any], sources: tuple[Source, ...], where: str
) -> list[FactorSpec]:
    by_name = {
        f.get("name"): f
        for f in (
            _mapping(item, f"{where}.factors") for item in _list(scenario.get("factors"), where)
        )
    }
    factors = []
    for name in names:
        if name not in by_name:
            raise SpecError(f"{where}: scenario has no factor {name!r}")
        data = by_name[name]
        factors.append(
            FactorSpec(
                name=name,
                value=_number(data.get("value"), f"{where}: factor {name}"),
                unit=_text(data.get("unit"), f"{where}: factor {name} unit"),
                basis=_text(data.get("basis"), f"{where}: factor {name} basis"),
                confidence=_confidence(data.get("confidence"), f"{where}: factor {name}"),
                sources=sources,
            )
        )
    return factors


def _common_factors(
    common: Mapping[str, Mapping[str, Any]], ids: Sequence[Any], where: str
) -> list[FactorSpec]:
    factors = []
    for factor_id in ids:
        if factor_id not in common:
            raise SpecError(f"{where}: no common factor {factor_id!r}")
        data = common[factor_id]
        if "source" not in data:
            raise SpecError(f"{where}: common factor {factor_id!r} cites no source")
        description = _text(data.get("description"), f"{where}: {factor_id} description")
        note = _optional_text(data.get("note"), f"{where}: {factor_id} note")
        factors.append(
            FactorSpec(
                name=factor_id,
                value=_number(data.get("value"), f"{where}: common factor {factor_id}"),
                unit=_text(data.get("unit"), f"{where}: {factor_id} unit"),
                basis=f"{description}. {note}" if note else description,
                confidence=_confidence(data.get("confidence"), f"{where}: {factor_id}"),
                sources=(_source(data["source"], f"{where}: {factor_id} source"),),
            )
        )
    return factors


def _parameters(value: Any, where: str) -> tuple[RecordParameter, ...]:
    parameters = []
    for name, raw in _mapping(value or {}, f"{where}.parameters").items():
        data = _mapping(raw, f"{where}.parameters.{name}")
        if not str(name).isidentifier() or name == QUANTITY_NAME:
            raise SpecError(f"{where}: {name!r} cannot name a record parameter")
        is_flag = data.get("flag", False)
        if not isinstance(is_flag, bool):
            raise SpecError(f"{where}: parameter {name} flag must be true or false")
        default = data.get("default")
        parameter = RecordParameter(
            name=name,
            unit=_text(data.get("unit"), f"{where}: parameter {name} unit"),
            label_zh=_text(data.get("label_zh"), f"{where}: parameter {name} label_zh"),
            label_en=_text(data.get("label_en"), f"{where}: parameter {name} label_en"),
            default=None if default is None else _number(default, f"{where}: {name} default"),
            is_flag=is_flag,
        )
        if is_flag and parameter.default not in (None, 0, 1):
            raise SpecError(f"{where}: flag {name!r} defaults to {default!r}, not 0 or 1")
        parameters.append(parameter)
    return tuple(parameters)


def _caps(value: Any, where: str) -> Caps:
    data = _mapping(value, f"{where}.caps")
    unknown = data.keys() - set(PERIODS)
    if unknown:
        raise SpecError(f"{where}: unknown cap periods {sorted(unknown)}")
    periods: dict[str, PeriodCap] = {}
    for period, raw in data.items():
        limits = _mapping(raw, f"{where}.caps.{period}")
        if not limits or limits.keys() - {"grams", "quantity", "records"}:
            raise SpecError(f"{where}: caps.{period} must set grams, quantity and/or records")
        grams, quantity, records = (limits.get(k) for k in ("grams", "quantity", "records"))
        periods[period] = PeriodCap(
            grams=None if grams is None else _positive_int(grams, f"{where}: {period} grams"),
            quantity=None if quantity is None else _number(quantity, f"{where}: {period} qty"),
            records=None if records is None else _positive_int(records, f"{where}: {period}"),
        )
    return Caps(**periods)


def _plausibility(value: Any, where: str) -> Plausibility:
    data = _mapping(value, f"{where}.plausibility")
    if data.keys() - {"max_quantity", "max_speed_kmh"}:
        raise SpecError(f"{where}: unknown plausibility keys {sorted(data)}")
    bounds = {key: _number(raw, f"{where}: {key}") for key, raw in data.items()}
    return Plausibility(**bounds)


def _evidence(value: Any, self_report: Any, where: str) -> tuple[EvidenceTier, ...]:
    tiers = []
    for raw in _list(value, f"{where}.evidence"):
        if raw not in _EVIDENCE:
            raise SpecError(f"{where}: unknown evidence tier {raw!r}")
        tiers.append(_EVIDENCE[raw])
    if not tiers or len(set(tiers)) != len(tiers):
        raise SpecError(f"{where}: evidence must list distinct tiers")
    if not isinstance(self_report, bool):
        raise SpecError(f"{where}: self_report must be true or false")
    # Partner data is the only tier a citizen cannot supply, so the two fields must agree.
    if self_report != (set(tiers) != {"partner"}):
        raise SpecError(f"{where}: self_report={self_report} contradicts evidence {tiers}")
    return tuple(tiers)


def _check_formula(
    formula: str,
    factors: Sequence[FactorSpec],
    parameters: Sequence[RecordParameter],
    where: str,
) -> None:
    bound = [f.name for f in factors] + [p.name for p in parameters]
    if len(set(bound)) != len(bound):
        raise SpecError(f"{where}: a name is bound twice in {bound}")
    try:
        used = formula_names(formula)
    except FormulaError as exc:
        raise SpecError(f"{where}: {exc}") from None
    declared = {QUANTITY_NAME, *bound}
    if used != declared:
        raise SpecError(
            f"{where}: formula uses {sorted(used)} but binds {sorted(declared)}; "
            "every name must be bound and every binding used"
        )


def _build(
    scenario: Mapping[str, Any], entry: Mapping[str, Any], common: Mapping[str, Mapping[str, Any]]
) -> MethodologySpec:
    scenario_code = _text(scenario.get("code"), "scenario code")
    where = f"methodology for {scenario_code}"
    if entry.keys() - _ENTRY_KEYS:
        raise SpecError(f"{where}: unknown keys {sorted(entry.keys() - _ENTRY_KEYS)}")
    category = scenario.get("category")
    prefixes = {c.code: c.prefix for c in CATEGORIES}
    if category not in prefixes:
        raise SpecError(f"{where}: unknown category {category!r}")
    code = _text(entry.get("code"), f"{where}.code")
    match = _CODE.fullmatch(code)
    if match is None or match.group(1) != prefixes[category]:
        raise SpecError(f"{where}: code {code!r} must be JLCH-{prefixes[category]}-NNN")
    activity_unit = _text(entry.get("activity_unit"), f"{where}.activity_unit")
    try:
        get_unit(activity_unit)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None

    sources = tuple(
        _source(item, f"{where}: source") for item in _list(scenario.get("sources"), where)
    )
    if not sources:
        raise SpecError(f"{where}: the scenario cites no source")
    factors = tuple(
        _scenario_factors(scenario, _list(entry.get("factors", []), where), sources, where)
        + _common_factors(common, _list(entry.get("common_factors", []), where), where)
    )
    parameters = _parameters(entry.get("parameters"), where)
    formula = _text(entry.get("formula"), f"{where}.formula")
    _check_formula(formula, factors, parameters, where)

    confidence = _confidence(scenario.get("confidence"), where)
    prose_caps = _mapping(scenario.get("caps"), f"{where}: scenario caps")
    return MethodologySpec(
        code=code,
        scenario_code=scenario_code,
        title_zh=_text(scenario.get("name_zh"), f"{where}.name_zh"),
        title_en=_text(scenario.get("name_en"), f"{where}.name_en"),
        category=category,
        activity_unit=activity_unit,
        formula=formula,
        parameters=parameters,
        factors=factors,
        caps=_caps(entry.get("caps"), where),
        plausibility=_plausibility(entry.get("plausibility"), where),
        evidence_tiers=_evidence(entry.get("evidence"), entry.get("self_report"), where),
        self_report=entry["self_report"],
        saleable=confidence != "estimate" and all(f.confidence != "estimate" for f in factors),
        confidence=confidence,
        sources=sources,
        notes=_optional_text(scenario.get("notes"), f"{where}.notes") or "",
        formula_text=_text(scenario.get("formula"), f"{where}: scenario formula"),
        unit_text=_text(scenario.get("unit"), f"{where}: scenario unit"),
        caps_text=_text(prose_caps.get("recommended"), f"{where}: recommended caps"),
        interpretation=_optional_text(entry.get("interpretation"), where) or "",
    )


# ----------------------------------------------------------------------------- public


def parse_specs(
    factor_data: Mapping[str, Any], overlay_data: Mapping[str, Any]
) -> tuple[MethodologySpec, ...]:
    """Build specs from the parsed data file and overlay, in the data file's scenario order.

    Raises :class:`SpecError` when the overlay misses or adds a scenario, two codes collide,
    or any entry fails the checks described in the module docstring.
    """
    factor_doc = _mapping(factor_data, "scenario_factors.yaml")
    scenarios = [_mapping(s, "scenario") for s in _list(factor_doc.get("scenarios"), "scenarios")]
    common = {
        _text(c.get("id"), "common factor id"): c
        for c in (
            _mapping(item, "common factor")
            for item in _list(factor_doc.get("common_factors", []), "common_factors")
        )
    }
    entries: dict[str, Mapping[str, Any]] = {}
    overlay = _mapping(overlay_data, "methodologies.yaml")
    for item in _list(overlay.get("methodologies"), "methodologies"):
        entry = _mapping(item, "methodology")
        scenario_code = _text(entry.get("scenario"), "methodology scenario")
        if scenario_code in entries:
            raise SpecError(f"two overlay entries for {scenario_code!r}")
        entries[scenario_code] = entry
    scenario_codes = [_text(s.get("code"), "scenario code") for s in scenarios]
    if set(entries) != set(scenario_codes):
        raise SpecError(
            f"overlay and data file differ: missing {sorted(set(scenario_codes) - set(entries))}, "
            f"extra {sorted(set(entries) - set(scenario_codes))}"
        )
    specs = tuple(_build(s, entries[s["code"]], common) for s in scenarios)
    codes = [spec.code for spec in specs]
    if len(set(codes)) != len(codes):
        raise SpecError(f"duplicate methodology codes in {codes}")
    return specs


def _read_yaml(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def load_specs() -> tuple[MethodologySpec, ...]:
    """Return the 22 seed methodologies in the data file's order (read and checked once)."""
    return parse_specs(_read_yaml("scenario_factors.yaml"), _read_yaml("methodologies.yaml"))


@cache
def _by_code() -> Mapping[str, MethodologySpec]:
    return {spec.code: spec for spec in load_specs()}


def get_spec(code: str) -> MethodologySpec:
    """Return the seed methodology with this code (e.g. ``JLCH-TR-003``); ``KeyError`` if none."""
    try:
        return _by_code()[code]
    except KeyError:
        raise KeyError(f"no seed methodology {code!r}") from None
