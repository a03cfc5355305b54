"""The methodology definition form, shared by developers (drafts) and officials (new versions).

Forms check shape (CONVENTIONS rule 8): patterns, numbers, required fields of used rows, and that
the formula names exactly what the rows declare. The services check the rules (who may act,
duplicate codes, status). :func:`definition_from_form` builds the version definition through
``portal.methodology.versions.definition_from_spec``, so a drafted definition has exactly the
shape of a seeded one; :func:`form_data_from_definition` is its inverse, for prefilling.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from portal.clock import local_today
from portal.methodology.categories import CATEGORIES
from portal.methodology.engine import (
    MAX_FORMULA_LENGTH,
    PERIODS,
    QUANTITY_NAME,
    Caps,
    FactorSpec,
    FormulaError,
    PeriodCap,
    RecordParameter,
    Source,
    formula_names,
)
from portal.methodology.units import UNITS
from portal.methodology.versions import (
    EVIDENCE_TIERS,
    Plausibility,
    VersionSpec,
    definition_from_spec,
)

CODE_PATTERN = r"^[A-Z]{2,6}-[A-Z]{2}-\d{3}$"
_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,39}$"
_DECIMAL = re.compile(r"^\d{1,12}(\.\d{1,12})?$")
TEXT_MAX = 4000

CONFIDENCE_LABELS = {
    "published": _l("Published"),
    "derived": _l("Derived"),
    "estimate": _l("Estimate"),
}
EVIDENCE_LABELS = {
    "self_report": _l("Self-report (no evidence)"),
    "photo": _l("Photo"),
    "document": _l("Document (invoice, certificate)"),
    "partner": _l("Partner data (metro, bus, bike, grid …)"),
}
PERIOD_LABELS = {"day": _l("Per day"), "month": _l("Per month"), "year": _l("Per year")}
# Blank rows shown on a fresh draft form; a prefilled form shows its rows plus one blank.
FACTOR_ROWS = 3
PARAMETER_ROWS = 2
SOURCE_ROWS = 2


# ----------------------------------------------------------------------------- validators


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _one_line(value: Any) -> Any:
    # A formula is one expression; line breaks typed into its box are only layout.
    return " ".join(value.split()) if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _decimal(form: Form, field: Field) -> None:
    """A non-negative decimal written with digits and at most one decimal point."""
    if field.data and not _DECIMAL.match(field.data):
        raise ValidationError(_l("Write a number of 0 or more, such as 0.4671."))


def _not_q(form: Form, field: Field) -> None:
    if field.data == QUANTITY_NAME:
        raise ValidationError(_l("Q is the activity quantity; choose another name."))


def _formula_problem(error: FormulaError) -> Any:
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


class WholeNumberField(IntegerField):
    """An integer below 10^15: a longer one would fail inside WTForms' NumberRange (which turns
    it into a float) and overflow a 64-bit column."""

    LIMIT = 10**15

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) >= self.LIMIT:
            self.data = None
            raise ValueError(_l("The value is far too large."))


class _Row(Form):
    """A repeated row inside the definition form: no CSRF token of its own, WTForms' messages
    translated as in FlaskForm, and left alone when every one of its ``KEY_FIELDS`` is blank."""

    KEY_FIELDS: tuple[str, ...] = ()

    class Meta:
        def get_translations(self, form: Form) -> Any:
            return translations

    def is_used(self) -> bool:
        return any(_filled(self._fields[name]) for name in self.KEY_FIELDS)


def _filled(field: Field) -> bool:
    """Typed into (even if it does not parse, like a year "abc"), or prefilled."""
    if field.raw_data:
        return bool(str(field.raw_data[0]).strip())
    return field.data not in (None, "")


class _InUsedRow:
    """``DataRequired`` for a row that is in use; a blank row skips its remaining validators."""

    def __init__(self, required: bool = True) -> None:
        self.required = required

    def __call__(self, form: _Row, field: Field) -> None:
        empty = not _filled(field)
        if not form.is_used():
            field.errors[:] = []
            raise StopValidation()
        if empty:
            field.errors[:] = []
            if self.required:
                raise StopValidation(_l("Fill this in, or clear the whole row."))
            raise StopValidation()


class SourceRow(_Row):
    KEY_FIELDS = ("title", "issuer", "year", "url")

    title = StringField(_l("Source title"), [_InUsedRow(), Length(max=300)], filters=[_strip])
    issuer = StringField(_l("Issuer"), [_InUsedRow(), Length(max=200)], filters=[_strip])
    year = WholeNumberField(_l("Year (optional)"), [_InUsedRow(False), NumberRange(1900, 2100)])
    url = StringField(
        _l("Web address (optional)"),
        [
            _InUsedRow(False),
            Length(max=500),
            Regexp(r"^https?://", message=_l("Start the address with https:// or http://.")),
            URL(message=_l("Enter a full web address.")),
        ],
        filters=[_strip],
        render_kw={"inputmode": "url", "autocapitalize": "off", "spellcheck": "false"},
    )


def _formula_name_field() -> StringField:
    """The name a factor or record parameter goes by in the formula."""
    return StringField(
        _l("Name in the formula"),
        [
            _InUsedRow(),
            Regexp(_NAME_PATTERN, message=_l("Letters, digits and _, starting with a letter.")),
            _not_q,
        ],
        filters=[_strip],
        render_kw={"autocapitalize": "off", "spellcheck": "false", "data-kind": "code"},
    )


class FactorRow(_Row):
    KEY_FIELDS = ("name", "value", "unit", "basis")

    name = _formula_name_field()
    value = StringField(
        _l("Value"),
        [_InUsedRow(), _decimal],
        filters=[_strip],
        render_kw={"inputmode": "decimal"},
    )
    unit = StringField(
        _l("Unit"),
        [_InUsedRow(), Length(max=120)],
        filters=[_strip],
        description=_l("For example kgCO2/kWh or kgCO2e/km."),
    )
    basis = TextAreaField(
        _l("Basis"), [_InUsedRow(), Length(max=TEXT_MAX)], filters=[_strip], render_kw={"rows": 2}
    )
    confidence = SelectField(
        _l("Confidence"),
        choices=[SelectChoice(k, v) for k, v in CONFIDENCE_LABELS.items()],
        default="published",
        description=_l("Estimates make the methodology points-only."),
    )
    sources = FieldList(FormField(SourceRow), min_entries=SOURCE_ROWS)

    def is_used(self) -> bool:
        return super().is_used() or any(entry.form.is_used() for entry in self.sources)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_used() and not any(entry.form.is_used() for entry in self.sources):
            self.sources[0].form.title.errors.append(_l("Cite at least one source."))
            ok = False
        return bool(ok)


class ParameterRow(_Row):
    KEY_FIELDS = ("name", "unit", "label_zh", "label_en", "default")

    name = _formula_name_field()
    unit = StringField(_l("Unit"), [_InUsedRow(), Length(max=120)], filters=[_strip])
    label_zh = StringField(_l("Label (Chinese)"), [_InUsedRow(), Length(max=120)], filters=[_strip])
    label_en = StringField(_l("Label (English)"), [_InUsedRow(), Length(max=200)], filters=[_strip])
    default = StringField(
        _l("Default (optional)"),
        [_InUsedRow(False), _decimal],
        filters=[_strip],
        description=_l("Used when a record does not carry the value."),
        render_kw={"inputmode": "decimal"},
    )
    is_flag = BooleanField(_l("Yes/no flag (0 or 1)"))


class CapRow(_Row):
    grams = WholeNumberField(_l("Grams CO₂e"), [Optional(), NumberRange(min=0)])
    quantity = StringField(
        _l("Quantity"), [Optional(), _decimal], filters=[_strip], render_kw={"inputmode": "decimal"}
    )
    records = WholeNumberField(_l("Records"), [Optional(), NumberRange(min=0)])


class CapsForm(_Row):
    day = FormField(CapRow, PERIOD_LABELS["day"])
    month = FormField(CapRow, PERIOD_LABELS["month"])
    year = FormField(CapRow, PERIOD_LABELS["year"])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def unit_choices(language: str) -> list[SelectChoice]:
    choices = []
    for unit in UNITS.values():
        label = unit.label_zh if language == "zh" else unit.label_en
        choices.append(
            SelectChoice(unit.code, label if label == unit.code else f"{label} ({unit.code})")
        )
    return choices


def category_choices(language: str) -> list[SelectChoice]:
    return [
        SelectChoice(c.code, f"{c.name_zh if language == 'zh' else c.name_en} ({c.prefix})")
        for c in CATEGORIES
    ]


class DefinitionForm(FlaskForm):
    """What one methodology version says: formula, rows, caps, bounds, evidence and prose."""

    MIN_FACTORS = 0

    activity_unit = SelectField(_l("Activity unit"), validators=[DataRequired()])
    formula = TextAreaField(
        _l("Formula"),
        validators=[DataRequired(), Length(max=MAX_FORMULA_LENGTH)],
        filters=[_one_line],
        description=_l(
            "The result is kg CO₂e. Use Q for the activity quantity, the factor and parameter "
            "names below, numbers, + − * / ( ) and max(…) / min(…)."
        ),
        render_kw={"rows": 2, "autocapitalize": "off", "spellcheck": "false", "data-kind": "code"},
    )
    formula_text = TextAreaField(
        _l("Formula in words"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[_strip],
        description=_l("How the formula reads for a person, e.g. ER = BE − PE with its terms."),
        render_kw={"rows": 3},
    )
    unit_text = StringField(
        _l("Activity in words (optional)"),
        validators=[Optional(), Length(max=400)],
        filters=[_strip],
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
        filters=[_strip],
        render_kw={"rows": 2},
    )
    max_quantity = StringField(
        _l("Largest believable quantity per record (optional)"),
        validators=[Optional(), _decimal],
        filters=[_strip],
        description=_l("In the activity unit; a larger record is flagged for review."),
        render_kw={"inputmode": "decimal"},
    )
    max_speed_kmh = StringField(
        _l("Highest believable average speed, km/h (optional)"),
        validators=[Optional(), _decimal],
        filters=[_strip],
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
        filters=[_strip],
        description=_l("How the prose rules above become the formula and caps."),
        render_kw={"rows": 3},
    )
    notes = TextAreaField(
        _l("Notes (optional)"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[_strip],
        render_kw={"rows": 2},
    )

    def __init__(self, *args: Any, language: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activity_unit.choices = unit_choices(language)

    def used_factors(self) -> list[FactorRow]:
        return [entry.form for entry in self.factors if entry.form.is_used()]

    def used_parameters(self) -> list[ParameterRow]:
        return [entry.form for entry in self.parameters if entry.form.is_used()]

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        ok = super().validate(extra_validators)
        return self._check_rows() and ok

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
                self.formula.errors.append(_formula_problem(exc))
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


def _dec(raw: str | None) -> Decimal | None:
    return Decimal(raw) if raw else None


def definition_from_form(form: DefinitionForm) -> dict[str, Any]:
    """The version definition of a validated form, in exactly the stored shape."""
    caps = form.caps.form
    spec = VersionSpec(
        activity_unit=form.activity_unit.data or "",
        formula=form.formula.data or "",
        parameters=tuple(
            RecordParameter(
                name=row.name.data or "",
                unit=row.unit.data or "",
                label_zh=row.label_zh.data or "",
                label_en=row.label_en.data or "",
                default=_dec(row.default.data),
                is_flag=bool(row.is_flag.data),
            )
            for row in form.used_parameters()
        ),
        factors=tuple(
            FactorSpec(
                name=row.name.data or "",
                value=Decimal(row.value.data or "0"),
                unit=row.unit.data or "",
                basis=row.basis.data or "",
                confidence=row.confidence.data or "estimate",
                sources=tuple(
                    Source(
                        title=s.form.title.data or "",
                        issuer=s.form.issuer.data or "",
                        year=s.form.year.data,
                        url=s.form.url.data or None,
                    )
                    for s in row.sources
                    if s.form.is_used()
                ),
            )
            for row in form.used_factors()
        ),
        caps=Caps(
            **{
                period: PeriodCap(
                    grams=getattr(caps, period).form.grams.data,
                    quantity=_dec(getattr(caps, period).form.quantity.data),
                    records=getattr(caps, period).form.records.data,
                )
                for period in PERIODS
            }
        ),
        plausibility=Plausibility(
            max_quantity=_dec(form.max_quantity.data),
            max_speed_kmh=_dec(form.max_speed_kmh.data),
        ),
        evidence_tiers=tuple(t for t in EVIDENCE_TIERS if t in (form.evidence_tiers.data or ())),
        self_report=bool(form.self_report.data),
        formula_text=form.formula_text.data or "",
        unit_text=form.unit_text.data or "",
        caps_text=form.caps_text.data or "",
        interpretation=form.interpretation.data or "",
        notes=form.notes.data or "",
    )
    return definition_from_spec(spec)


def _padded(rows: list[dict[str, Any]], minimum: int) -> list[dict[str, Any]]:
    """The stored rows plus one blank row, and at least ``minimum`` rows in all."""
    return rows + [{}] * max(1, minimum - len(rows))


def form_data_from_definition(definition: Mapping[str, Any], is_saleable: bool) -> dict[str, Any]:
    """Keyword data that prefills a :class:`DefinitionForm` with a stored definition."""
    caps = definition.get("caps", {})
    plausibility = definition.get("plausibility", {})
    return {
        "activity_unit": definition["activity_unit"],
        "formula": definition["formula"],
        "formula_text": definition.get("formula_text", ""),
        "unit_text": definition.get("unit_text", ""),
        "is_saleable": is_saleable,
        "parameters": _padded(
            [
                {
                    "name": p["name"],
                    "unit": p["unit"],
                    "label_zh": p["label_zh"],
                    "label_en": p["label_en"],
                    "default": p.get("default") or "",
                    "is_flag": bool(p.get("is_flag")),
                }
                for p in definition.get("parameters", [])
            ],
            PARAMETER_ROWS,
        ),
        "factors": _padded(
            [
                {
                    "name": f["name"],
                    "value": f["value"],
                    "unit": f["unit"],
                    "basis": f["basis"],
                    "confidence": f["confidence"],
                    "sources": _padded(
                        [
                            {
                                "title": s["title"],
                                "issuer": s["issuer"],
                                "year": s.get("year"),
                                "url": s.get("url") or "",
                            }
                            for s in f.get("sources", [])
                        ],
                        SOURCE_ROWS,
                    ),
                }
                for f in definition.get("factors", [])
            ],
            FACTOR_ROWS,
        ),
        "caps": {
            period: {
                "grams": caps.get(period, {}).get("grams"),
                "quantity": caps.get(period, {}).get("quantity") or "",
                "records": caps.get(period, {}).get("records"),
            }
            for period in PERIODS
        },
        "caps_text": definition.get("caps_text", ""),
        "max_quantity": plausibility.get("max_quantity") or "",
        "max_speed_kmh": plausibility.get("max_speed_kmh") or "",
        "evidence_tiers": list(definition.get("evidence_tiers", [])),
        "self_report": bool(definition.get("self_report")),
        "interpretation": definition.get("interpretation", ""),
        "notes": definition.get("notes", ""),
    }


class DraftForm(DefinitionForm):
    """A developer's new methodology: who develops it, what it is called, and version 1."""

    MIN_FACTORS = 1

    organisation_id = SelectField(_l("Developer organisation"), coerce=int)
    code = StringField(
        _l("Methodology code"),
        validators=[
            DataRequired(),
            Regexp(
                CODE_PATTERN,
                message=_l(
                    "Use the pattern JLCH-TR-011: letters, dash, two letters, dash, three digits."
                ),
            ),
        ],
        filters=[_upper],
        description=_l("Like JLCH-TR-011: your prefix, the category's two letters, a number."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "data-kind": "code"},
    )
    scenario_code = StringField(
        _l("Scenario code"),
        validators=[
            DataRequired(),
            Regexp(r"^[a-z][a-z0-9_]{1,63}$", message=_l("Lower-case letters, digits and _.")),
        ],
        filters=[_strip],
        description=_l("The behaviour it quantifies, e.g. cycling or metro."),
        render_kw={"autocapitalize": "off", "spellcheck": "false", "data-kind": "code"},
    )
    title_zh = StringField(
        _l("Title (Chinese)"), validators=[DataRequired(), Length(max=120)], filters=[_strip]
    )
    title_en = StringField(
        _l("Title (English)"), validators=[DataRequired(), Length(max=200)], filters=[_strip]
    )
    category = SelectField(
        _l("Category"),
        validators=[DataRequired()],
        description=_l("Its two letters are the middle of the code."),
    )

    def __init__(self, *args: Any, language: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, language=language, **kwargs)
        self.category.choices = category_choices(language)


class DraftEditForm(DraftForm):
    """The draft form for revising a draft: its code and organisation never change, so they are
    no fields here (the page shows them read-only) and a posted value for them is ignored."""

    organisation_id = None
    code = None


class VersionForm(DefinitionForm):
    """An official's new version of a filed methodology."""

    effective_from = DateField(
        _l("Takes effect on"),
        validators=[DataRequired(message=_l("Choose a date."))],
        description=_l("From midnight Beijing time of that day; today means at once."),
    )
    change_note = TextAreaField(
        _l("What changed"),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
        filters=[_strip],
        description=_l("Shown in the public history of the methodology."),
        render_kw={"rows": 3},
    )

    def validate_effective_from(self, field: DateField) -> None:
        if field.data and field.data < local_today():
            raise ValidationError(_l("A new version cannot take effect in the past."))


class CommentForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment"),
        validators=[DataRequired(message=_l("Write a comment first.")), Length(max=TEXT_MAX)],
        filters=[_strip],
        description=_l(
            "Comments are part of the methodology's history, which becomes public once it is filed."
        ),
        render_kw={"rows": 3},
    )


class SubmitForm(FlaskForm):
    comment = TextAreaField(
        _l("Note for the reviewer (optional)"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        filters=[_strip],
        render_kw={"rows": 2},
    )
