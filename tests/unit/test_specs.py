"""Seed methodologies: loaded from the data files, checked, and faithful to the prose."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import yaml

from portal.methodology.categories import CATEGORIES
from portal.methodology.engine import Caps, PeriodCap
from portal.methodology.seed_specs import DATA_DIR, SpecError, get_spec, load_specs, parse_specs
from portal.methodology.units import UNITS

D = Decimal


def read(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


FACTOR_FILE = read("scenario_factors.yaml")
OVERLAY = read("methodologies.yaml")


def test_all_22_scenarios_load_in_file_order() -> None:
    specs = load_specs()
    assert len(specs) == 22
    assert [s.scenario_code for s in specs] == [s["code"] for s in FACTOR_FILE["scenarios"]]
    assert load_specs() is specs


def test_codes_follow_the_scheme_and_match_the_category() -> None:
    prefixes = {c.code: c.prefix for c in CATEGORIES}
    codes = [spec.code for spec in load_specs()]
    assert len(set(codes)) == 22
    for spec in load_specs():
        assert re.fullmatch(rf"JLCH-{prefixes[spec.category]}-\d{{3}}", spec.code)
    assert get_spec("JLCH-TR-003").scenario_code == "cycling"


def test_categories_are_ordered_and_labelled() -> None:
    assert [(c.code, c.name_zh, c.name_en) for c in CATEGORIES] == [
        ("clothing", "衣", "Clothing"),
        ("food", "食", "Food"),
        ("housing", "住", "Housing"),
        ("transport", "行", "Transport"),
        ("shopping", "用", "Shopping"),
        ("travel", "游", "Travel"),
        ("office", "办公", "Office"),
    ]
    assert {s.category for s in load_specs()} == {c.code for c in CATEGORIES}


def test_titles_prose_and_units_come_from_the_data_file() -> None:
    walking = get_spec("JLCH-TR-001")
    assert (walking.title_zh, walking.title_en) == ("步行", "Walking")
    assert walking.caps_text.startswith("At most 0.30 kg/day")
    assert walking.formula_text.startswith("ER = min(steps")
    for spec in load_specs():
        assert spec.activity_unit in UNITS


def test_factor_values_are_looked_up_not_retyped() -> None:
    # The overlay only names factors; every value equals the data file's, read as written.
    for entry in OVERLAY["methodologies"]:
        assert all(isinstance(name, str) for name in entry.get("factors", []))
    scenarios = {s["code"]: s for s in FACTOR_FILE["scenarios"]}
    common = {c["id"]: c for c in FACTOR_FILE["common_factors"]}
    for spec in load_specs():
        by_name = {f["name"]: f for f in scenarios[spec.scenario_code]["factors"]}
        for factor in spec.factors:
            raw = by_name.get(factor.name) or common[factor.name]
            assert factor.value == Decimal(str(raw["value"]))
            assert isinstance(factor.value, Decimal)


def test_every_factor_cites_a_source() -> None:
    for spec in load_specs():
        assert spec.sources
        for factor in spec.factors:
            assert factor.sources, f"{spec.code} {factor.name}"
            for source in factor.sources:
                assert source.title.strip() and source.issuer.strip()


def test_electricity_uses_the_jilin_provincial_grid_factor() -> None:
    for code in ("JLCH-HS-003", "JLCH-SH-001"):
        (grid,) = get_spec(code).factors
        assert grid.name == "ef_grid_jilin_2023"
        assert grid.value == D("0.4671")
        assert grid.unit == "kgCO2/kWh"
        assert grid.sources[0].issuer == "生态环境部, 国家统计局"
        assert "secondary copies" in grid.basis and "Last checked 2026-12-02" in grid.basis


def test_estimate_based_methodologies_are_filed_but_not_saleable() -> None:
    not_saleable = {s.scenario_code for s in load_specs() if not s.saleable}
    assert not_saleable == {
        "energy_efficient_windows",  # estimate factor and scenario
        "heat_metering",  # scenario confidence estimate
        "waste_sorting_recycling",  # derived scenario, but its recommended factor is an estimate
        "low_carbon_office",  # a4_sheet is an estimate, e_invoice Ant Forest energy grams
        "hotel_no_disposables",  # 华住 values are Ant Forest energy grams, not stated as CO2
        "running",
        "appliance_trade_in",
        "low_footprint_products",  # no published factor at all
    }
    for spec in load_specs():
        uses_estimate = any(f.confidence == "estimate" for f in spec.factors)
        assert spec.saleable is not (uses_estimate or spec.confidence == "estimate")


def test_low_footprint_products_bind_no_factor_and_take_the_benchmark_per_record() -> None:
    spec = get_spec("JLCH-SH-003")
    assert spec.factors == ()
    assert [(p.name, p.default) for p in spec.parameters] == [
        ("cfp_benchmark", None),
        ("cfp_product", None),
    ]
    assert spec.confidence == "estimate"


@pytest.mark.parametrize(
    ("code", "caps"),
    [
        # 30 kg per month; 30 x 1.28 kg
        ("JLCH-CL-001", Caps(month=PeriodCap(quantity=D(30), grams=38400))),
        ("JLCH-FD-001", Caps(day=PeriodCap(quantity=D(2), grams=288))),  # 2 meals per day
        ("JLCH-FD-002", Caps(day=PeriodCap(quantity=D(3), grams=105))),  # 3 orders per day
        ("JLCH-TV-001", Caps(month=PeriodCap(grams=2852))),  # 31 room-nights x 92 g a month
        # 30 m2, one season a year
        ("JLCH-HS-001", Caps(year=PeriodCap(quantity=D(30), grams=1980000))),
        ("JLCH-HS-002", Caps(year=PeriodCap(grams=4950000))),  # 30 % of 150 GJ x 110 kg/GJ
        # one daily credit of at most 30 % of a 100 kWh baseline
        ("JLCH-HS-003", Caps(day=PeriodCap(records=1, grams=14013))),
        ("JLCH-HS-004", Caps(day=PeriodCap(quantity=D(5), grams=5000))),  # 5 kg per day
        ("JLCH-OF-001", Caps(day=PeriodCap(records=1, grams=18850))),  # one OA record per day
        ("JLCH-TR-001", Caps(day=PeriodCap(grams=300))),  # 0.30 kg per day
        ("JLCH-TR-002", Caps(day=PeriodCap(grams=300))),  # the walking cap it shares
        ("JLCH-TR-003", Caps(day=PeriodCap(quantity=D(20), grams=800))),  # 20 km per day
        ("JLCH-TR-004", Caps(day=PeriodCap(quantity=D(20), grams=800))),  # 20 km per day
        ("JLCH-TR-005", Caps(day=PeriodCap(quantity=D(100), grams=6400))),  # 100 km per day
        ("JLCH-TR-006", Caps(day=PeriodCap(quantity=D(300), grams=19200))),  # 300 km per day
        ("JLCH-TR-007", Caps(day=PeriodCap(records=4, grams=6456))),  # 4 trips of 60 km
        # 4 trips and 60 km
        ("JLCH-TR-008", Caps(day=PeriodCap(quantity=D(60), records=4, grams=2802))),
        ("JLCH-TR-009", Caps(day=PeriodCap(quantity=D(4), grams=268))),  # 4 passages per day
        ("JLCH-TR-010", Caps(day=PeriodCap(quantity=D(150), grams=12150))),  # 150 km per day
        ("JLCH-SH-001", Caps(year=PeriodCap(grams=4671000))),  # 5 appliances' largest saving
        ("JLCH-SH-002", Caps(day=PeriodCap(quantity=D(10), grams=370))),  # 10 packages per day
        # "a few items" per month
        ("JLCH-SH-003", Caps(month=PeriodCap(quantity=D(3), grams=150000))),
    ],
)
def test_recommended_caps_are_translated(code: str, caps: Caps) -> None:
    assert get_spec(code).caps == caps


def test_self_report_agrees_with_evidence_and_speed_limits_cover_self_propelled_trips() -> None:
    for spec in load_specs():
        assert spec.self_report == (set(spec.evidence_tiers) != {"partner"})
    speed = {s.scenario_code: s.plausibility.max_speed_kmh for s in load_specs()}
    assert speed["cycling"] == speed["shared_bike_ebike"] == D(25)
    assert speed["walking"] is not None and speed["running"] is not None
    assert all(s.plausibility.max_quantity for s in load_specs())


def test_get_spec_refuses_an_unknown_code() -> None:
    with pytest.raises(KeyError, match="JLCH-XX-999"):
        get_spec("JLCH-XX-999")


# ------------------------------------------------------------------- load-time validation


def entry(overlay: dict[str, Any], scenario: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in overlay["methodologies"] if e["scenario"] == scenario)
    return found


Change = Callable[[dict[str, Any], dict[str, Any]], None]


def set_formula(scenario: str, formula: str) -> Change:
    def change(_: dict[str, Any], overlay: dict[str, Any]) -> None:
        entry(overlay, scenario)["formula"] = formula

    return change


def set_key(scenario: str, key: str, value: Any) -> Change:
    def change(_: dict[str, Any], overlay: dict[str, Any]) -> None:
        entry(overlay, scenario)[key] = value

    return change


def unbounded_baseline(_: dict[str, Any], overlay: dict[str, Any]) -> None:
    del entry(overlay, "household_energy_saving")["parameters"]["baseline_kwh"]["range"]


def inverted_baseline_range(_: dict[str, Any], overlay: dict[str, Any]) -> None:
    entry(overlay, "household_energy_saving")["parameters"]["baseline_kwh"]["range"] = [100, 0]


def drop_scenario(data: dict[str, Any], overlay: dict[str, Any]) -> None:
    overlay["methodologies"] = [e for e in overlay["methodologies"] if e["scenario"] != "bus"]


def duplicate_code(data: dict[str, Any], overlay: dict[str, Any]) -> None:
    entry(overlay, "metro")["code"] = "JLCH-TR-007"


def remove_grid_source(data: dict[str, Any], overlay: dict[str, Any]) -> None:
    next(c for c in data["common_factors"] if c["id"] == "ef_grid_jilin_2023").pop("source")


def blank_factor_value(data: dict[str, Any], overlay: dict[str, Any]) -> None:
    cycling = next(s for s in data["scenarios"] if s["code"] == "cycling")
    cycling["factors"][0]["value"] = None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_key("cycling", "factors", ["no_such_factor"]), "no factor 'no_such_factor'"),
        (set_key("cycling", "factors", ["industry_range"]), "expected a number"),
        (set_key("cycling", "common_factors", ["ef_gasoline"]), "cites no source"),
        (set_key("cycling", "activity_unit", "furlong"), "unknown activity unit"),
        (set_key("cycling", "code", "JLCH-SH-003"), "must be JLCH-TR-NNN"),
        (set_key("cycling", "self_report", False), "contradicts evidence"),
        (set_key("cycling", "evidence", ["telepathy"]), "unknown evidence tier"),
        (set_key("cycling", "caps", {"week": {"grams": 1}}), "unknown cap periods"),
        (set_key("cycling", "caps", {"day": {"quantity": 20}}), "cannot be filed.*no_grams_cap"),
        (unbounded_baseline, "cannot be filed.*no_range.*baseline_kwh"),
        (inverted_baseline_range, "min 100 is above max 0"),
        (set_key("cycling", "caps", {"day": {"grams": 0}}), "positive integer"),
        (set_key("cycling", "colour", "green"), "unknown keys"),
        (set_formula("cycling", "Q * recommended * bonus"), "every name must be bound"),
        (set_formula("cycling", "Q * 0.04"), "every binding used"),
        (set_formula("cycling", "__import__('os')"), "max/min"),
        (set_formula("cycling", "Q * recommended ** 2"), "Pow"),
        (drop_scenario, "missing \\['bus'\\]"),
        (duplicate_code, "duplicate methodology codes"),
        (remove_grid_source, "cites no source"),
        (blank_factor_value, "expected a number"),
    ],
)
def test_bad_data_is_refused_at_load(change: Change, message: str) -> None:
    data, overlay = copy.deepcopy(FACTOR_FILE), copy.deepcopy(OVERLAY)
    change(data, overlay)
    with pytest.raises(SpecError, match=message):
        parse_specs(data, overlay)


def test_the_unchanged_files_parse() -> None:
    assert len(parse_specs(copy.deepcopy(FACTOR_FILE), copy.deepcopy(OVERLAY))) == 22


def test_every_seed_caps_grams_and_bounds_every_record_value() -> None:
    for spec in load_specs():
        assert any(spec.caps.for_period(p).grams for p in ("day", "month", "year")), spec.code
        for parameter in spec.parameters:
            assert parameter.plausible_min is not None and parameter.plausible_max, spec.code
            if parameter.is_flag:
                assert (parameter.plausible_min, parameter.plausible_max) == (0, 1)
    (baseline,) = get_spec("JLCH-HS-003").parameters
    assert (baseline.plausible_min, baseline.plausible_max) == (D(0), D(100))


def test_factor_data_says_what_its_sources_support() -> None:
    (metro,) = get_spec("JLCH-TR-008").factors
    assert metro.value == D("0.0467") and "深圳商报 (2022-09-23" in metro.basis
    assert any("citysz.net" in (s.url or "") for s in metro.sources)
    (toiletries,) = get_spec("JLCH-TV-001").factors
    assert toiletries.confidence == "estimate" and "Ant Forest 'green energy'" in toiletries.basis
    e_invoice = next(f for f in get_spec("JLCH-OF-001").factors if f.name == "e_invoice")
    assert e_invoice.confidence == "estimate"
    (heat,) = get_spec("JLCH-HS-002").factors
    assert any("0.11 tCO2/GJ" in s.title for s in heat.sources)
    common = {c["id"]: c for c in FACTOR_FILE["common_factors"]}
    assert common["ef_grid_enterprise_reporting"]["confidence"] == "estimate"
    assert "source" in common["ef_heat"]
    factors = {
        f["name"]: f
        for s in FACTOR_FILE["scenarios"]
        if s["code"] in ("shared_bike_ebike", "used_clothing_recycling")
        for f in s["factors"]
    }
    assert factors["meituan_published"]["confidence"] == "estimate"
    assert "no unit" in factors["meituan_published"]["note"]
    assert factors["ant_forest_reference"]["confidence"] == "estimate"
