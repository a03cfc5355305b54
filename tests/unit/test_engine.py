"""The pure engine: every seed methodology by hand, and the safe compiled evaluator."""

from __future__ import annotations

import ast
import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from operator import add, mul, sub, truediv

import pytest

from portal.methodology.engine import (
    FactorSpec,
    FormulaError,
    ParameterError,
    Quantifier,
    RecordParameter,
    Source,
    evaluate_formula,
    formula_names,
    quantify,
)
from portal.methodology.seed_specs import MethodologySpec, get_spec, load_specs
from portal.methodology.units import DECIMAL_CONTEXT, UnitMismatch

D = Decimal


# ------------------------------------------------------------- each seed methodology by hand

# (code, quantity, unit, record parameters, expected gross grams). The comment above each row is
# the hand computation: quantity x factor (kg CO2e) -> grams -> rounded down.
CASES: list[tuple[str, str, str, dict[str, str], int]] = [
    # 3.37 kg x 1.28 kgCO2e/kg = 4.3136 kg = 4313.6 g -> 4313
    ("JLCH-CL-001", "3.37", "kg", {}, 4313),
    # 3370 g = 3.37 kg, as above
    ("JLCH-CL-001", "3370", "g", {}, 4313),
    # 2 meals x 0.144 = 0.288 kg
    ("JLCH-FD-001", "2", "meal", {}, 288),
    # 3 orders x 0.035 = 0.105 kg
    ("JLCH-FD-002", "3", "order", {}, 105),
    # 3 room-nights x 0.092 (toiletries only, no linen stacking) = 0.276 kg
    ("JLCH-TV-001", "3", "room_night", {}, 276),
    # 12.5 m2 x 66 kg/m2/season = 825 kg
    ("JLCH-HS-001", "12.5", "m2", {}, 825_000),
    # baseline 40 GJ - metered 35 GJ = 5 GJ (< 30 % x 40 = 12) x 110 kg/GJ = 550 kg
    ("JLCH-HS-002", "35", "GJ", {"baseline_gj": "40"}, 550_000),
    # saving 40 - 20 = 20 GJ, limited to 30 % x 40 = 12 GJ; 12 x 110 = 1320 kg
    ("JLCH-HS-002", "20", "GJ", {"baseline_gj": "40"}, 1_320_000),
    # 10,000 kWh of heat = 36 GJ; (40 - 36) x 110 = 440 kg
    ("JLCH-HS-002", "10000", "kWh", {"baseline_gj": "40"}, 440_000),
    # metered above baseline: max(0, 40 - 45) = 0
    ("JLCH-HS-002", "45", "GJ", {"baseline_gj": "40"}, 0),
    # (10 - 8) kWh x 0.4671 (Jilin grid 2023) = 0.9342 kg = 934.2 g -> 934
    ("JLCH-HS-003", "8", "kWh", {"baseline_kwh": "10"}, 934),
    # saving 10 - 5 = 5 kWh, limited to 30 % x 10 = 3 kWh; 3 x 0.4671 = 1.4013 kg -> 1401
    ("JLCH-HS-003", "5", "kWh", {"baseline_kwh": "10"}, 1401),
    # 2.345 kg x 1.0 = 2.345 kg
    ("JLCH-HS-004", "2.345", "kg", {}, 2345),
    # 3 x 0.005 + 10 sheets x 0.0055 + 12.5 car-km x 0.160 = 0.015 + 0.055 + 2.0 = 2.070 kg
    ("JLCH-OF-001", "3", "item", {"a4_sheets": "10", "avoided_car_km": "12.5"}, 2070),
    # 3 e-invoices x 0.005 = 0.015 kg (sheets and trip default to 0)
    ("JLCH-OF-001", "3", "item", {}, 15),
    # 12,345 steps / 1000 x 0.0164 = 0.202458 kg = 202.458 g -> 202
    ("JLCH-TR-001", "12345", "steps", {}, 202),
    # 7 km / 0.7 m stride = 10,000 steps; 10 x 0.0164 = 0.164 kg
    ("JLCH-TR-001", "7", "km", {}, 164),
    # 10 km x 0.0 = 0 (no additionality)
    ("JLCH-TR-002", "10", "km", {}, 0),
    # 12.3 km x 0.040 = 0.492 kg
    ("JLCH-TR-003", "12.3", "km", {}, 492),
    # 7770 m = 7.77 km x 0.040 = 0.3108 kg = 310.8 g -> 310
    ("JLCH-TR-003", "7770", "m", {}, 310),
    # 5 km on a bike x 0.040 = 0.200 kg
    ("JLCH-TR-004", "5", "km", {"is_ebike": "0"}, 200),
    # 5 km on an e-bike x 0.033 = 0.165 kg
    ("JLCH-TR-004", "5", "km", {"is_ebike": "1"}, 165),
    # unflagged: the lower e-bike factor, 0.165 kg
    ("JLCH-TR-004", "5", "km", {}, 165),
    # 15.5 passenger-km x 0.064 = 0.992 kg
    ("JLCH-TR-005", "15.5", "km", {}, 992),
    # 120 passenger-km x 0.064 = 7.68 kg
    ("JLCH-TR-006", "120", "km", {}, 7680),
    # 8.6 passenger-km x 0.0269 = 0.23134 kg = 231.34 g -> 231
    ("JLCH-TR-007", "8.6", "km", {}, 231),
    # 12 passenger-km x 0.0467 = 0.5604 kg = 560.4 g -> 560
    ("JLCH-TR-008", "12", "km", {}, 560),
    # 2 passages x 0.067 = 0.134 kg
    ("JLCH-TR-009", "2", "passage", {}, 134),
    # 40 km outside the heating season x 0.081 = 3.24 kg
    ("JLCH-TR-010", "40", "km", {"is_heating_season": "0"}, 3240),
    # 40 km in the heating season x 0.057 = 2.28 kg
    ("JLCH-TR-010", "40", "km", {"is_heating_season": "1"}, 2280),
    # unflagged: the lower heating-season factor, 2.28 kg
    ("JLCH-TR-010", "40", "km", {}, 2280),
    # 1 appliance-year x (438 - 219) kWh x 0.4671 = 102.2949 kg = 102294.9 g -> 102294
    ("JLCH-SH-001", "1", "appliance_year", {"aec_old_kwh": "438", "aec_new_kwh": "219"}, 102294),
    # a new unit using more than the old one earns nothing: max(0, 300 - 400) = 0
    ("JLCH-SH-001", "1", "appliance_year", {"aec_old_kwh": "300", "aec_new_kwh": "400"}, 0),
    # 4 packages in reused cartons x 0.037 = 0.148 kg
    ("JLCH-SH-002", "4", "package", {"is_reused_carton": "1"}, 148),
    # 4 packages with another green action x 0.016 = 0.064 kg
    ("JLCH-SH-002", "4", "package", {}, 64),
    # 2 items x (5.2 - 3.9) kgCO2e = 2.6 kg
    ("JLCH-SH-003", "2", "item", {"cfp_benchmark": "5.2", "cfp_product": "3.9"}, 2600),
    # a product above its benchmark earns nothing: max(0, 3.9 - 5.2) = 0
    ("JLCH-SH-003", "2", "item", {"cfp_benchmark": "3.9", "cfp_product": "5.2"}, 0),
]


@pytest.mark.parametrize(
    ("code", "quantity", "unit", "params", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1]}{c[2]}-{i}" for i, c in enumerate(CASES)],
)
def test_seed_methodology_by_hand(
    code: str, quantity: str, unit: str, params: dict[str, str], expected: int
) -> None:
    result = quantify(
        get_spec(code), D(quantity), unit, {name: D(value) for name, value in params.items()}
    )
    assert result.gross_grams == expected
    assert type(result.gross_grams) is int
    assert not result.is_negative_clamped


def test_every_seed_methodology_has_a_hand_computed_case() -> None:
    assert {spec.code for spec in load_specs()} == {case[0] for case in CASES}


def test_result_records_the_inputs_and_a_factor_snapshot() -> None:
    result = quantify(get_spec("JLCH-TR-001"), D("7"), "km")
    assert result.activity_unit == "steps"
    assert result.activity_quantity == D(10000)
    assert result.parameters == {"Q": D(10000)}
    assert result.exact_grams == D("164")
    snapshot = result.factor_snapshot["recommended"]
    assert snapshot["value"] == "0.0164"
    assert snapshot["unit"] == "kgCO2e per 1000 steps"
    assert snapshot["confidence"] == "published"
    assert snapshot["sources"][0]["title"].startswith("四川泸州")
    assert snapshot["sources"][0]["year"] == 2024


def test_grid_electricity_snapshot_names_the_jilin_factor_and_its_source() -> None:
    result = quantify(get_spec("JLCH-HS-003"), D(8), "kWh", {"baseline_kwh": D(10)})
    snapshot = result.factor_snapshot["ef_grid_jilin_2023"]
    assert snapshot["value"] == "0.4671"
    assert snapshot["sources"][0]["issuer"] == "生态环境部, 国家统计局"
    assert result.parameters == {"Q": D(8), "baseline_kwh": D(10)}


# ------------------------------------------------------------------ engine on a custom spec


@dataclass(frozen=True)
class StoredVersion:
    """Stands in for a methodology version read back from the database."""

    formula: str
    activity_unit: str = "km"
    factors: tuple[FactorSpec, ...] = ()
    parameters: tuple[RecordParameter, ...] = field(default=())


def factor(name: str, value: str) -> FactorSpec:
    return FactorSpec(name, D(value), "kgCO2e/km", "test", "published", (Source("t", "i"),))


def test_rounds_down_to_whole_grams() -> None:
    version = StoredVersion("Q * f", factors=(factor("f", "0.0009999"),))
    # 1 km x 0.0009999 kg = 0.9999 g -> 0; 2 km -> 1.9998 g -> 1
    assert quantify(version, D(1), "km").gross_grams == 0
    result = quantify(version, D(2), "km")
    assert result.gross_grams == 1
    assert result.exact_grams == D("1.9998")


def test_a_negative_result_is_credited_as_zero_and_reported() -> None:
    # ER = BE - PE with PE > BE: 10 km x (0.02 - 0.05) = -0.3 kg
    version = StoredVersion("Q * (be - pe)", factors=(factor("be", "0.02"), factor("pe", "0.05")))
    result = quantify(version, D(10), "km")
    assert result.gross_grams == 0
    assert result.is_negative_clamped
    assert result.exact_grams == D("-300")


def test_arithmetic_is_decimal_not_float() -> None:
    # In floats 0.1 + 0.2 = 0.30000000000000004.
    assert evaluate_formula("Q * (0.1 + 0.2)", {"Q": D(1)}) == D("0.3")


def test_quantity_must_be_a_non_negative_decimal_in_a_compatible_unit() -> None:
    version = StoredVersion("Q * f", factors=(factor("f", "0.04"),))
    with pytest.raises(TypeError):
        quantify(version, 1.5, "km")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=">= 0"):
        quantify(version, D(-1), "km")
    with pytest.raises(UnitMismatch):
        quantify(version, D(1), "kg")


def test_record_parameters_are_checked() -> None:
    version = StoredVersion(
        "Q * (a - b) * flag",
        parameters=(
            RecordParameter("a", "kg", "甲", "a"),
            RecordParameter("b", "kg", "乙", "b", default=D(0)),
            RecordParameter("flag", "flag", "标记", "flag", default=D(1), is_flag=True),
        ),
    )
    assert quantify(version, D(1), "km", {"a": D(2)}).gross_grams == 2000
    with pytest.raises(ParameterError, match="'a' is required"):
        quantify(version, D(1), "km")
    with pytest.raises(ParameterError, match="unknown"):
        quantify(version, D(1), "km", {"a": D(1), "c": D(1)})
    with pytest.raises(ParameterError, match=">= 0"):
        quantify(version, D(1), "km", {"a": D(-1)})
    with pytest.raises(ParameterError, match="0 or 1"):
        quantify(version, D(1), "km", {"a": D(1), "flag": D(2)})
    with pytest.raises(ParameterError, match="Decimal"):
        quantify(version, D(1), "km", {"a": 1.0})  # type: ignore[dict-item]


def test_a_name_bound_twice_is_refused() -> None:
    version = StoredVersion(
        "Q * f", factors=(factor("f", "1"),), parameters=(RecordParameter("f", "x", "x", "x"),)
    )
    with pytest.raises(FormulaError, match="bound twice"):
        quantify(version, D(1), "km", {"f": D(1)})


def test_low_footprint_products_need_the_partner_benchmark() -> None:
    with pytest.raises(ParameterError, match="cfp_benchmark"):
        quantify(get_spec("JLCH-SH-003"), D(1), "item")


# ----------------------------------------------------------------------------- evaluator


@pytest.mark.parametrize(
    "formula",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "Q.real",
        "Q.__class__",
        "Q.sqrt()",
        "9**9**9",
        "Q ** 2",
        "(lambda: 1)()",
        "[Q][0]",
        "Q if Q else 1",
        "Q < 1",
        "'a' * 9",
        "abs(Q)",
        "max(Q)",
        "max(*[Q, Q])",
        "min(Q, 1, key=Q)",
        "Q // 2",
        "Q % 2",
        "True",
        "1e999",
        "Q; Q",
        "f'{Q}'",
        "x",
        "max",
        "Q" + " + Q" * 200,
    ],
)
def test_the_evaluator_refuses_hostile_or_foreign_expressions(formula: str) -> None:
    with pytest.raises(FormulaError):
        evaluate_formula(formula, {"Q": D(2)})


def test_division_by_zero_is_a_formula_error() -> None:
    with pytest.raises(FormulaError, match="DivisionByZero"):
        evaluate_formula("Q / (Q - Q)", {"Q": D(2)})


def test_formula_names_lists_variables_not_functions() -> None:
    assert formula_names("min(max(0, b - Q), 0.3 * b) * ef") == {"b", "Q", "ef"}


def test_unknown_names_are_refused_when_the_quantifier_is_built() -> None:
    with pytest.raises(FormulaError, match=r"names unknown \['g'\]"):
        Quantifier(StoredVersion("Q * f * g", factors=(factor("f", "1"),)))


@pytest.mark.parametrize(
    ("formula", "error"),
    [
        ("f / Q", "DivisionByZero"),  # Q = 0
        ("Q / Q", "InvalidOperation"),  # 0 / 0
        ("f * 1e300 * 1e300 * 1e300 * 1e300", "Overflow"),  # f = 1e999000
    ],
)
def test_arithmetic_errors_name_the_formula_and_the_signal(formula: str, error: str) -> None:
    quantifier = Quantifier(StoredVersion(formula, factors=(factor("f", "1e999000"),)))
    with pytest.raises(FormulaError, match=rf"^formula '{re.escape(formula)}' failed: {error}$"):
        quantifier(D(0), "km")


def test_overflow_in_evaluate_formula() -> None:
    with pytest.raises(FormulaError, match=r"^formula 'Q \* Q' failed: Overflow$"):
        evaluate_formula("Q * Q", {"Q": D("1e600000")})


def test_a_non_finite_result_is_a_formula_error() -> None:
    with pytest.raises(FormulaError, match=r"gave Decimal\('Infinity'\), not a finite number"):
        evaluate_formula("Q", {"Q": D("Infinity")})


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("-Q", "-2.50"),
        ("- -Q", "2.50"),
        ("+Q", "2.50"),
        ("-(Q - 3) * +2", "1.00"),
        ("-0.5 * Q", "-1.250"),
        ("max(-Q, -3)", "-2.50"),
        ("1 - -Q", "3.50"),
    ],
)
def test_unary_signs(formula: str, expected: str) -> None:
    assert str(evaluate_formula(formula, {"Q": D("2.50")})) == expected


def test_a_unary_minus_result_is_clamped_to_zero() -> None:
    result = quantify(StoredVersion("-Q * f", factors=(factor("f", "0.04"),)), D(10), "km")
    assert (result.gross_grams, result.exact_grams, result.is_negative_clamped) == (
        0,
        D("-400.00"),
        True,
    )


def test_arithmetic_keeps_34_significant_digits() -> None:
    assert evaluate_formula("1 / 3", {}) == D("0." + "3" * 34)
    assert evaluate_formula("Q + 1", {"Q": D("1e40")}) == D(
        "1.000000000000000000000000000000000E+40"
    )


def test_max_and_min_keep_the_first_of_equal_values() -> None:
    names = {"a": D("1.0"), "b": D("1"), "c": D("0.5")}
    assert str(evaluate_formula("max(a, b, c)", names)) == "1.0"
    assert str(evaluate_formula("max(b, a)", names)) == "1"
    assert str(evaluate_formula("min(c, a, d)", {**names, "d": D("0.50")})) == "0.5"


def _tree_walk(node: ast.AST, names: Mapping[str, Decimal]) -> Decimal:
    """The plain recursive evaluation the compiled closures must reproduce."""
    if isinstance(node, ast.Expression):
        return _tree_walk(node.body, names)
    if isinstance(node, ast.Constant):
        value = node.value
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _tree_walk(node.operand, names)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        left, right = _tree_walk(node.left, names), _tree_walk(node.right, names)
        operations = {ast.Add: add, ast.Sub: sub, ast.Mult: mul, ast.Div: truediv}
        return operations[type(node.op)](left, right)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    function = {"max": max, "min": min}[node.func.id]
    return function(*(_tree_walk(argument, names) for argument in node.args))


def _random_decimal(rng: random.Random) -> Decimal:
    # Up to 40 digits and 30 decimal places, so some products round at 34 significant digits.
    return Decimal(rng.randrange(10 ** rng.randrange(1, 41))).scaleb(-rng.randrange(31))


@pytest.mark.parametrize("spec", load_specs(), ids=lambda spec: spec.code)
def test_compiled_seed_formula_matches_a_tree_walk(spec: MethodologySpec) -> None:
    rng = random.Random(spec.code)
    quantifier = Quantifier(spec)
    factors = {f.name: f.value for f in spec.factors}
    tree = ast.parse(spec.formula, mode="eval")
    for _ in range(300):
        params = {
            p.name: Decimal(rng.randrange(2)) if p.is_flag else _random_decimal(rng)
            for p in spec.parameters
        }
        names = {"Q": _random_decimal(rng), **factors, **params}
        with localcontext(DECIMAL_CONTEXT):
            expected = _tree_walk(tree, names)
            expected_grams = expected * 1000
        # str(): the same Decimal, exponent included, not merely an equal one.
        assert str(evaluate_formula(spec.formula, names)) == str(expected)
        result = quantifier(names["Q"], spec.activity_unit, params)
        assert str(result.exact_grams) == str(expected_grams)
        assert result.gross_grams == max(0, math.floor(expected_grams))
        assert result.parameters == {"Q": names["Q"], **params}
