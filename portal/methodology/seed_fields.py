"""How each field and part of the seed data files is read and checked, for ``seed_specs``.

Every reader takes the raw YAML value and ``where`` (the place named in an error) and returns a
checked value or raises :class:`SpecError`: numbers become exact Decimals (as written, never the
binary float's expansion), factors are looked up by name and must cite a source, units and
formulas are checked against the engine's own rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

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
from portal.methodology.versions import EVIDENCE_TIERS, EvidenceTier, Plausibility

_CONFIDENCES: Final[Mapping[str, Confidence]] = {
    "published": "published",
    "derived": "derived",
    "estimate": "estimate",
}
_EVIDENCE: Final[Mapping[str, EvidenceTier]] = {tier: tier for tier in EVIDENCE_TIERS}


class SpecError(ValueError):
    """The data files disagree with each other or with what a methodology needs."""


def read_mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SpecError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def read_list(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def read_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where}: expected non-empty text, got {value!r}")
    return value


def read_optional_text(value: Any, where: str) -> str | None:
    return None if value is None else read_text(value, where)


def read_number(value: Any, where: str) -> Decimal:
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


def read_confidence(value: Any, where: str) -> Confidence:
    try:
        return _CONFIDENCES[value]
    except (KeyError, TypeError):
        raise SpecError(f"{where}: unknown confidence {value!r}") from None


def read_source(value: Any, where: str) -> Source:
    data = read_mapping(value, where)
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise SpecError(f"{where}: year must be an integer, got {year!r}")
    return Source(
        title=read_text(data.get("title"), f"{where}.title"),
        issuer=read_text(data.get("issuer"), f"{where}.issuer"),
        year=year,
        url=read_optional_text(data.get("url"), f"{where}.url"),
    )


# The overlay entry's parts, each read against the scenario it overlays.


def read_scenario_factors(
    scenario: Mapping[str, Any], names: Sequence[Any], sources: tuple[Source, ...], where: str
) -> list[FactorSpec]:
    by_name = {
        f.get("name"): f
        for f in (
            read_mapping(item, f"{where}.factors")
            for item in read_list(scenario.get("factors"), where)
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
                value=read_number(data.get("value"), f"{where}: factor {name}"),
                unit=read_text(data.get("unit"), f"{where}: factor {name} unit"),
                basis=_with_note(
                    read_text(data.get("basis"), f"{where}: factor {name} basis"),
                    read_optional_text(data.get("note"), f"{where}: factor {name} note"),
                ),
                confidence=read_confidence(data.get("confidence"), f"{where}: factor {name}"),
                sources=sources,
            )
        )
    return factors


def _with_note(text: str, note: str | None) -> str:
    """A factor's basis with the data file's note on its source, as one text."""
    return f"{text}. {note}" if note else text


def read_common_factors(
    common: Mapping[str, Mapping[str, Any]], ids: Sequence[Any], where: str
) -> list[FactorSpec]:
    factors = []
    for factor_id in ids:
        if factor_id not in common:
            raise SpecError(f"{where}: no common factor {factor_id!r}")
        data = common[factor_id]
        if "source" not in data:
            raise SpecError(f"{where}: common factor {factor_id!r} cites no source")
        description = read_text(data.get("description"), f"{where}: {factor_id} description")
        note = read_optional_text(data.get("note"), f"{where}: {factor_id} note")
        basis = _with_note(description, note)
        factors.append(
            FactorSpec(
                name=factor_id,
                value=read_number(data.get("value"), f"{where}: common factor {factor_id}"),
                unit=read_text(data.get("unit"), f"{where}: {factor_id} unit"),
                basis=basis,
                confidence=read_confidence(data.get("confidence"), f"{where}: {factor_id}"),
                sources=(read_source(data["source"], f"{where}: {factor_id} source"),),
            )
        )
    return factors


def read_parameters(value: Any, where: str) -> tuple[RecordParameter, ...]:
    parameters = []
    for name, raw in read_mapping(value or {}, f"{where}.parameters").items():
        data = read_mapping(raw, f"{where}.parameters.{name}")
        if not str(name).isidentifier() or name == QUANTITY_NAME:
            raise SpecError(f"{where}: {name!r} cannot name a record parameter")
        is_flag = data.get("flag", False)
        if not isinstance(is_flag, bool):
            raise SpecError(f"{where}: parameter {name} flag must be true or false")
        default = data.get("default")
        low, high = _read_range(data.get("range"), is_flag, f"{where}: parameter {name} range")
        parameter = RecordParameter(
            name=name,
            unit=read_text(data.get("unit"), f"{where}: parameter {name} unit"),
            label_zh=read_text(data.get("label_zh"), f"{where}: parameter {name} label_zh"),
            label_en=read_text(data.get("label_en"), f"{where}: parameter {name} label_en"),
            default=None if default is None else read_number(default, f"{where}: {name} default"),
            is_flag=is_flag,
            plausible_min=low,
            plausible_max=high,
        )
        if is_flag and parameter.default not in (None, 0, 1):
            raise SpecError(f"{where}: flag {name!r} defaults to {default!r}, not 0 or 1")
        parameters.append(parameter)
    return tuple(parameters)


def _read_range(value: Any, is_flag: bool, where: str) -> tuple[Decimal | None, Decimal | None]:
    """A parameter's plausible ``range: [min, max]``; a flag's is 0..1 whether written or not."""
    if value is None:
        return (Decimal(0), Decimal(1)) if is_flag else (None, None)
    bounds = read_list(value, where)
    if len(bounds) != 2:
        raise SpecError(f"{where}: expected [min, max], got {value!r}")
    low, high = (read_number(bound, where) for bound in bounds)
    if low > high:
        raise SpecError(f"{where}: min {low} is above max {high}")
    return low, high


def read_caps(value: Any, where: str) -> Caps:
    data = read_mapping(value, f"{where}.caps")
    unknown = data.keys() - set(PERIODS)
    if unknown:
        raise SpecError(f"{where}: unknown cap periods {sorted(unknown)}")
    periods: dict[str, PeriodCap] = {}
    for period, raw in data.items():
        limits = read_mapping(raw, f"{where}.caps.{period}")
        if not limits or limits.keys() - {"grams", "quantity", "records"}:
            raise SpecError(f"{where}: caps.{period} must set grams, quantity and/or records")
        grams, quantity, records = (limits.get(k) for k in ("grams", "quantity", "records"))
        periods[period] = PeriodCap(
            grams=None if grams is None else _positive_int(grams, f"{where}: {period} grams"),
            quantity=None if quantity is None else read_number(quantity, f"{where}: {period} qty"),
            records=None if records is None else _positive_int(records, f"{where}: {period}"),
        )
    return Caps(**periods)


def read_plausibility(value: Any, where: str) -> Plausibility:
    data = read_mapping(value, f"{where}.plausibility")
    if data.keys() - {"max_quantity", "max_speed_kmh"}:
        raise SpecError(f"{where}: unknown plausibility keys {sorted(data)}")
    bounds = {key: read_number(raw, f"{where}: {key}") for key, raw in data.items()}
    return Plausibility(**bounds)


def read_evidence(value: Any, self_report: Any, where: str) -> tuple[EvidenceTier, ...]:
    tiers = []
    for raw in read_list(value, f"{where}.evidence"):
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


def check_formula(
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
