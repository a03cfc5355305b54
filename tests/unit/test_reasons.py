"""The quantify job's rejection reasons as codes with the engine's machine reason kept."""

from __future__ import annotations

from portal.activities.reasons import quantify_failure, too_many_grams
from portal.methodology.engine import FormulaError, ParameterError


def test_a_formula_error_keeps_its_machine_reason_and_position() -> None:
    error = FormulaError("cannot parse 'Q *'", "syntax", 4)
    assert quantify_failure(error) == (
        "formula_error",
        {"reason": "syntax", "position": 4, "detail": "cannot parse 'Q *'"},
    )


def test_other_engine_errors_keep_their_text() -> None:
    error = ParameterError("parameter 'is_ebike' must be 0 or 1")
    assert quantify_failure(error) == (
        "not_quantifiable",
        {"detail": "parameter 'is_ebike' must be 0 or 1"},
    )


def test_too_many_grams_keeps_both_figures() -> None:
    assert too_many_grams(5, 3) == ("too_many_grams", {"grams": 5, "max_grams": 3})
