"""The methodology definition form, shared by developers (drafts) and officials (new versions).

Forms check shape (CONVENTIONS rule 8): patterns, numbers, required fields of used rows, and that
the formula names exactly what the rows declare. The services check the rules (who may act,
duplicate codes, status). :mod:`.convert` turns a validated form into a stored definition and
back, for prefilling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.methodology.fields import (
    TEXT_MAX,
    MultiCheckboxField,
    check_pair,
    decimal_text,
    one_line,
    strip,
)
from portal.blueprints.shared.methodology.labels import EVIDENCE_LABELS
from portal.blueprints.shared.methodology.rows import (
    FACTOR_ROWS,
    PARAMETER_ROWS,
    CapsForm,
    FactorRow,
    ParameterRow,
)
from portal.methodology.engine import MAX_FORMULA_LENGTH, QUANTITY_NAME, FormulaError, formula_names
from portal.methodology.texts import STORED_PARTS
from portal.methodology.units import UNITS


def formula_problem(error: FormulaError) -> Any:
    """Why a formula cannot be read, in the reader's language (the engine's own text is
    English)."""
    if error.reason == "syntax" and error.position:
        return _l(
            "The formula cannot be read near character %(position)s: check its brackets and "
            "operators.",
            position=error.position,
        )
    if error.reason == "not_allowed":
        return _l(
            "A formula may use only numbers, names, + - * / ( ) and max or min of two or more "
            "values."
        )
    return _l("The formula cannot be read: %(why)s", why=str(error))


def _citizen_text(label: Any, rows: int = 3) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        render_kw={"rows": rows},
    )


def unit_choices(language: str) -> list[SelectChoice]:
    choices = []
    for unit in UNITS.values():
        label = unit.label_zh if language == "zh" else unit.label_en
        choices.append(
            SelectChoice(unit.code, label if label == unit.code else f"{label} ({unit.code})")
        )
    return choices


class DefinitionForm(PortalForm):
    """What one methodology version says: formula, rows, caps, bounds, evidence and prose."""

    MIN_FACTORS = 0

    activity_unit = SelectField(_l("Activity unit"), validators=[DataRequired()])
    formula = TextAreaField(
        _l("Formula"),
        validators=[DataRequired(), Length(max=MAX_FORMULA_LENGTH)],
        filters=[one_line],
        description=_l(
            "The result is kg CO₂e. Use Q for the activity quantity, the factor and parameter "
            "names below, numbers, + − * / ( ) and max(…) / min(…)."
        ),
        render_kw={"rows": 2, "autocapitalize": "off", "spellcheck": "false", "data-kind": "code"},
    )
    formula_text = TextAreaField(
        _l("Formula in words"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        description=_l("How the formula reads for a person, e.g. ER = BE − PE with its terms."),
        render_kw={"rows": 3},
    )
    unit_text = StringField(
        _l("Activity in words (optional)"),
        validators=[Optional(), Length(max=400)],
        filters=[strip],
    )
    is_saleable = BooleanField(
        _l("Reductions may be sold on the registry track"),
        description=_l("Never when a factor is an estimate: those earn points only."),
    )
    parameters = FieldList(FormField(ParameterRow), min_entries=PARAMETER_ROWS)
    factors = FieldList(FormField(FactorRow), min_entries=FACTOR_ROWS)
    caps = FormField(CapsForm)
    caps_text = TextAreaField(
        _l("Caps in words (optional)"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        render_kw={"rows": 2},
    )
    max_quantity = StringField(
        _l("Largest believable quantity per record (optional)"),
        validators=[Optional(), decimal_text],
        filters=[strip],
        description=_l("In the activity unit; a larger record is flagged for review."),
        render_kw={"inputmode": "decimal"},
    )
    max_speed_kmh = StringField(
        _l("Highest believable average speed, km/h (optional)"),
        validators=[Optional(), decimal_text],
        filters=[strip],
        description=_l("For walking, running and cycling trips."),
        render_kw={"inputmode": "decimal"},
    )
    evidence_tiers = MultiCheckboxField(
        _l("Accepted evidence"),
        choices=[SelectChoice(k, v) for k, v in EVIDENCE_LABELS.items()],
        validators=[DataRequired(message=_l("Choose at least one kind of evidence."))],
    )
    self_report = BooleanField(
        _l("Citizens may report this behaviour themselves"),
        description=_l("Tick it exactly when evidence other than partner data is accepted."),
    )
    interpretation = TextAreaField(
        _l("Interpretation (optional)"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        description=_l("How the prose rules above become the formula and caps."),
        render_kw={"rows": 3},
    )
    notes = TextAreaField(
        _l("Notes (optional)"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        render_kw={"rows": 2},
    )
    # What the public page and the reduction explanation show citizens, in both languages
    # (``portal.methodology.texts.STORED_PARTS``); the prose above stays for the reviewers.
    description_zh = _citizen_text(_l("How it is worked out, for citizens: Chinese"))
    description_en = _citizen_text(_l("How it is worked out, for citizens: English"))
    activity_zh = _citizen_text(_l("What is counted, for citizens: Chinese"), 2)
    activity_en = _citizen_text(_l("What is counted, for citizens: English"), 2)
    caps_zh = _citizen_text(_l("The caps in words, for citizens: Chinese"), 2)
    caps_en = _citizen_text(_l("The caps in words, for citizens: English"), 2)

    def __init__(self, *args: Any, language: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activity_unit.choices = unit_choices(language)

    def used_factors(self) -> list[FactorRow]:
        return [entry.form for entry in self.factors if entry.form.is_used()]

    def used_parameters(self) -> list[ParameterRow]:
        return [entry.form for entry in self.parameters if entry.form.is_used()]

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        ok = super().validate(extra_validators)
        paired = [check_pair(self[f"{p}_zh"], self[f"{p}_en"]) for p in STORED_PARTS]
        return self._check_rows() and all(paired) and ok

    def _check_rows(self) -> bool:
        ok = True
        factors, parameters = self.used_factors(), self.used_parameters()
        if len(factors) < self.MIN_FACTORS:
            self.factors[0].form.name.errors.append(_l("Give at least one factor."))
            ok = False
        seen: set[str] = set()
        for row in [*factors, *parameters]:
            name = row.name.data or ""
            if name in seen:
                row.name.errors.append(_l("This name is already used by another row."))
                ok = False
            seen.add(name)
        if self.formula.data and not self.formula.errors:
            try:
                used = formula_names(self.formula.data)
            except FormulaError as exc:
                self.formula.errors.append(formula_problem(exc))
                return False
            unknown = used - seen - {QUANTITY_NAME}
            unused = seen - used
            if unknown:
                self.formula.errors.append(
                    _l("The formula names what no row declares: %(names)s.", names=_names(unknown))
                )
                ok = False
            if unused:
                self.formula.errors.append(
                    _l("Declared but not used in the formula: %(names)s.", names=_names(unused))
                )
                ok = False
        tiers = set(self.evidence_tiers.data or ())
        if tiers and bool(self.self_report.data) != (tiers != {"partner"}):
            self.self_report.errors.append(
                _l(
                    "Citizens report themselves exactly when evidence other than partner data "
                    "is accepted."
                )
            )
            ok = False
        return ok


def _names(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))
