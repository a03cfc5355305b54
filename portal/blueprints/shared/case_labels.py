"""Words for 以碳代偿 cases on the court's pages and the public register: states, case types,
conversion methods, money in yuan and the progress of a case."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l

from portal.market.cases import rules
from portal.market.cases.models import CaseState, CaseType, ConversionMethod

STATE_LABELS = {
    CaseState.OPEN.value: _l("Awaiting retirement"),
    CaseState.OVERDUE.value: _l("Overdue"),
    CaseState.FULFILLED.value: _l("Fulfilled"),
}
TYPE_LABELS = {
    CaseType.CIVIL_PIL.value: _l("Environmental civil public-interest litigation"),
    CaseType.CRIMINAL_CIVIL_PIL.value: _l(
        "Criminal case with incidental civil public-interest litigation"
    ),
    CaseType.ADMINISTRATIVE_PIL.value: _l("Administrative public-interest litigation"),
    CaseType.CIVIL.value: _l("Civil case (ecological damage compensation)"),
    CaseType.CRIMINAL.value: _l("Criminal case (leniency for admitting guilt)"),
}
METHOD_LABELS = {
    ConversionMethod.VALUE_PRICE.value: _l("Damage value ÷ reference price per tonne"),
    ConversionMethod.APPRAISAL_TONNES.value: _l("Tonnes stated in the appraisal"),
}


def yuan(fen: int | None) -> str:
    """Fen as yuan in the reader's locale ("¥3,082.00")."""
    return str(format_currency(Decimal(fen or 0) / 100, "CNY"))


@dataclass(frozen=True)
class CaseProgress:
    """Tonnes retired for a case of the tonnes it requires."""

    retired_tonnes: int
    required_tonnes: int

    @property
    def permille(self) -> int:
        return rules.progress_permille(self.retired_tonnes, self.required_tonnes)

    @property
    def percent(self) -> str:
        return f"{self.permille // 10}.{self.permille % 10}"


def case_labels() -> dict[str, Any]:
    """A context processor for the case templates."""
    return {
        "case_state_labels": STATE_LABELS,
        "case_type_labels": TYPE_LABELS,
        "case_method_labels": METHOD_LABELS,
        "yuan": yuan,
    }
