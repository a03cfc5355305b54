"""Why a record was rejected or how an official decided it, stored as a code plus parameters
(``BehaviorRecord.review_code`` and ``review_params``) and put into the reader's language only
when shown (``portal.blueprints.shared.record_reasons``). No English sentence is stored for a
citizen to read; an official's own words are kept as a parameter, as they wrote them.

Codes and their parameters:

- ``official_decision`` — ``note``: what the official wrote (may be empty on an approval);
- ``no_version_in_force`` — no filed methodology version was in force at the record's time;
- ``formula_error`` — the version's formula cannot be evaluated: ``reason`` (the engine's
  ``FormulaError.reason``), ``position`` (1-based, for ``syntax``) and ``detail`` (its English
  text, for ``evaluation``);
- ``not_quantifiable`` — a parameter or unit the formula refused: ``detail`` (English);
- ``too_many_grams`` — the result, ``grams``, is above ``max_grams`` for one record;
- ``already_counted`` — the act was credited from the citizen's own report, whose points are
  spent (the record also carries the flag ``already_counted_self_report``);
- ``account_deleted`` — the citizen deleted their account before it was counted;
- ``other`` — a reason stored as text before codes (migration 0008): ``text``.
"""

from __future__ import annotations

from typing import Any

from portal.methodology.engine import FormulaError

OFFICIAL_DECISION = "official_decision"
NO_VERSION_IN_FORCE = "no_version_in_force"
FORMULA_ERROR = "formula_error"
NOT_QUANTIFIABLE = "not_quantifiable"
TOO_MANY_GRAMS = "too_many_grams"
ALREADY_COUNTED = "already_counted"
ACCOUNT_DELETED = "account_deleted"
OTHER = "other"

Reason = tuple[str, dict[str, Any]]  # (code, parameters), stored as review_code, review_params


def official_decision(note: str) -> Reason:
    return OFFICIAL_DECISION, {"note": note}


def quantify_failure(error: Exception) -> Reason:
    """Why the quantify job could not quantify a record, from the engine's error."""
    if isinstance(error, FormulaError):
        return FORMULA_ERROR, {
            "reason": error.reason,
            "position": error.position,
            "detail": str(error),
        }
    return NOT_QUANTIFIABLE, {"detail": str(error)}


def too_many_grams(grams: int, max_grams: int) -> Reason:
    return TOO_MANY_GRAMS, {"grams": grams, "max_grams": max_grams}
