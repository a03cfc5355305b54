"""The 22 seed methodologies, built from the two data files under ``data/``.

``scenario_factors.yaml`` holds the prose, factor values and sources; ``methodologies.yaml`` the
structure a program needs (code, activity unit, formula, caps, evidence). Factor values are
looked up by name, never retyped, and everything is checked at load time: formulas parse in the
safe subset and name only bound factors and declared parameters, every factor exists, is numeric
and cites a source, every unit is known.

A methodology is ``saleable`` only if neither the scenario nor any factor its formula uses is an
``estimate``; estimate-based methodologies are still filed and earn points.

Each field is read and checked by ``seed_fields``; the recipe a seed files its first version
with is ``versions.VersionSpec``, which :class:`MethodologySpec` extends.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

from portal.methodology.categories import CATEGORIES
from portal.methodology.engine import Confidence, Source
from portal.methodology.seed_fields import (
    SpecError,
    check_formula,
    read_caps,
    read_common_factors,
    read_confidence,
    read_evidence,
    read_list,
    read_mapping,
    read_optional_text,
    read_parameters,
    read_plausibility,
    read_scenario_factors,
    read_source,
    read_text,
)
from portal.methodology.units import get_unit
from portal.methodology.versions import VersionSpec, filing_problems

# SpecError is raised by the field readers too; callers catch it from here.
__all__ = ["DATA_DIR", "MethodologySpec", "SpecError", "get_spec", "load_specs", "parse_specs"]

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
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
class MethodologySpec(VersionSpec):
    """One seed methodology: a scenario of the data file plus its overlay entry.

    The recipe its first version is filed with (formula, factors, caps, …) is the
    :class:`~portal.methodology.versions.VersionSpec` it extends: ``formula`` yields kg CO2e
    from ``Q`` (quantity in ``activity_unit``), the ``factors`` and the record ``parameters``.
    Added here is what names it and what the data file says of it as a whole: ``saleable``
    unless it rests on an estimate, its ``confidence`` and the scenario's ``sources``.
    """

    code: str
    scenario_code: str
    title_zh: str
    title_en: str
    category: str
    saleable: bool
    confidence: Confidence
    sources: tuple[Source, ...]


def _build(
    scenario: Mapping[str, Any], entry: Mapping[str, Any], common: Mapping[str, Mapping[str, Any]]
) -> MethodologySpec:
    scenario_code = read_text(scenario.get("code"), "scenario code")
    where = f"methodology for {scenario_code}"
    if entry.keys() - _ENTRY_KEYS:
        raise SpecError(f"{where}: unknown keys {sorted(entry.keys() - _ENTRY_KEYS)}")
    category = scenario.get("category")
    prefixes = {c.code: c.prefix for c in CATEGORIES}
    if category not in prefixes:
        raise SpecError(f"{where}: unknown category {category!r}")
    code = read_text(entry.get("code"), f"{where}.code")
    match = _CODE.fullmatch(code)
    if match is None or match.group(1) != prefixes[category]:
        raise SpecError(f"{where}: code {code!r} must be JLCH-{prefixes[category]}-NNN")
    activity_unit = read_text(entry.get("activity_unit"), f"{where}.activity_unit")
    try:
        get_unit(activity_unit)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None

    sources = tuple(
        read_source(item, f"{where}: source") for item in read_list(scenario.get("sources"), where)
    )
    if not sources:
        raise SpecError(f"{where}: the scenario cites no source")
    factors = tuple(
        read_scenario_factors(scenario, read_list(entry.get("factors", []), where), sources, where)
        + read_common_factors(common, read_list(entry.get("common_factors", []), where), where)
    )
    parameters = read_parameters(entry.get("parameters"), where)
    formula = read_text(entry.get("formula"), f"{where}.formula")
    check_formula(formula, factors, parameters, where)

    confidence = read_confidence(scenario.get("confidence"), where)
    prose_caps = read_mapping(scenario.get("caps"), f"{where}: scenario caps")
    return MethodologySpec(
        code=code,
        scenario_code=scenario_code,
        title_zh=read_text(scenario.get("name_zh"), f"{where}.name_zh"),
        title_en=read_text(scenario.get("name_en"), f"{where}.name_en"),
        category=category,
        activity_unit=activity_unit,
        formula=formula,
        parameters=parameters,
        factors=factors,
        caps=read_caps(entry.get("caps"), where),
        plausibility=read_plausibility(entry.get("plausibility"), where),
        evidence_tiers=read_evidence(entry.get("evidence"), entry.get("self_report"), where),
        self_report=entry["self_report"],
        saleable=confidence != "estimate" and all(f.confidence != "estimate" for f in factors),
        confidence=confidence,
        sources=sources,
        notes=read_optional_text(scenario.get("notes"), f"{where}.notes") or "",
        formula_text=read_text(scenario.get("formula"), f"{where}: scenario formula"),
        unit_text=read_text(scenario.get("unit"), f"{where}: scenario unit"),
        caps_text=read_text(prose_caps.get("recommended"), f"{where}: recommended caps"),
        interpretation=read_optional_text(entry.get("interpretation"), where) or "",
    )


# ----------------------------------------------------------------------------- public


def parse_specs(
    factor_data: Mapping[str, Any], overlay_data: Mapping[str, Any]
) -> tuple[MethodologySpec, ...]:
    """Build specs from the parsed data file and overlay, in the data file's scenario order.

    Raises :class:`SpecError` when the overlay misses or adds a scenario, two codes collide,
    or any entry fails the checks described in the module docstring.
    """
    factor_doc = read_mapping(factor_data, "scenario_factors.yaml")
    scenarios = [
        read_mapping(s, "scenario") for s in read_list(factor_doc.get("scenarios"), "scenarios")
    ]
    common = {
        read_text(c.get("id"), "common factor id"): c
        for c in (
            read_mapping(item, "common factor")
            for item in read_list(factor_doc.get("common_factors", []), "common_factors")
        )
    }
    entries: dict[str, Mapping[str, Any]] = {}
    overlay = read_mapping(overlay_data, "methodologies.yaml")
    for item in read_list(overlay.get("methodologies"), "methodologies"):
        entry = read_mapping(item, "methodology")
        scenario_code = read_text(entry.get("scenario"), "methodology scenario")
        if scenario_code in entries:
            raise SpecError(f"two overlay entries for {scenario_code!r}")
        entries[scenario_code] = entry
    scenario_codes = [read_text(s.get("code"), "scenario code") for s in scenarios]
    if set(entries) != set(scenario_codes):
        raise SpecError(
            f"overlay and data file differ: missing {sorted(set(scenario_codes) - set(entries))}, "
            f"extra {sorted(set(entries) - set(scenario_codes))}"
        )
    specs = tuple(_build(s, entries[s["code"]], common) for s in scenarios)
    for spec in specs:
        problems = filing_problems(spec)
        if problems:
            raise SpecError(f"methodology {spec.code} cannot be filed: {problems}")
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
