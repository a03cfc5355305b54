"""The repeated rows of the definition form: record parameters, factors with their sources, and
the per-period caps. Each row checks its own shape; the form checks the rows together."""

from __future__ import annotations

from decimal import Decimal
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
from wtforms.validators import URL, Length, NumberRange, Optional, Regexp

from portal.blueprints.shared.methodology.fields import (
    TEXT_MAX,
    InUsedRow,
    RowForm,
    WholeNumberField,
    check_pair,
    decimal_text,
    not_quantity_name,
    strip,
)
from portal.blueprints.shared.methodology.labels import CONFIDENCE_LABELS, PERIOD_LABELS

_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,39}$"
# Blank rows shown on a fresh draft form; a prefilled form shows its rows plus one blank.
FACTOR_ROWS = 3
PARAMETER_ROWS = 2
SOURCE_ROWS = 2


class SourceRow(RowForm):
    KEY_FIELDS = ("title", "issuer", "year", "url")

    title = StringField(_l("Source title"), [InUsedRow(), Length(max=300)], filters=[strip])
    issuer = StringField(_l("Issuer"), [InUsedRow(), Length(max=200)], filters=[strip])
    year = WholeNumberField(_l("Year (optional)"), [InUsedRow(False), NumberRange(1900, 2100)])
    url = StringField(
        _l("Web address (optional)"),
        [
            InUsedRow(False),
            Length(max=500),
            Regexp(r"^https?://", message=_l("Start the address with https:// or http://.")),
            URL(message=_l("Enter a full web address.")),
        ],
        filters=[strip],
        render_kw={"inputmode": "url", "autocapitalize": "off", "spellcheck": "false"},
    )


def _formula_name_field() -> StringField:
    """The name a factor or record parameter goes by in the formula."""
    return StringField(
        _l("Name in the formula"),
        [
            InUsedRow(),
            Regexp(_NAME_PATTERN, message=_l("Letters, digits and _, starting with a letter.")),
            not_quantity_name,
        ],
        filters=[strip],
        render_kw={"autocapitalize": "off", "spellcheck": "false", "data-kind": "code"},
    )


class FactorRow(RowForm):
    KEY_FIELDS = ("name", "value", "unit", "basis")

    name = _formula_name_field()
    value = StringField(
        _l("Value"),
        [InUsedRow(), decimal_text],
        filters=[strip],
        render_kw={"inputmode": "decimal"},
    )
    unit = StringField(
        _l("Unit"),
        [InUsedRow(), Length(max=120)],
        filters=[strip],
        description=_l("For example kgCO2/kWh or kgCO2e/km."),
    )
    basis = TextAreaField(
        _l("Basis"), [InUsedRow(), Length(max=TEXT_MAX)], filters=[strip], render_kw={"rows": 2}
    )
    confidence = SelectField(
        _l("Confidence"),
        choices=[SelectChoice(k, v) for k, v in CONFIDENCE_LABELS.items()],
        default="published",
        description=_l("Estimates make the methodology points-only."),
    )
    sources = FieldList(FormField(SourceRow), min_entries=SOURCE_ROWS)
    # What citizens read of the factor instead of its code and technical basis.
    label_zh = StringField(
        _l("Name in words, Chinese (optional)"), [Optional(), Length(max=120)], filters=[strip]
    )
    label_en = StringField(
        _l("Name in words, English (optional)"), [Optional(), Length(max=200)], filters=[strip]
    )
    note_zh = TextAreaField(
        _l("Note for citizens, Chinese (optional)"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        render_kw={"rows": 2},
    )
    note_en = TextAreaField(
        _l("Note for citizens, English (optional)"),
        [Optional(), Length(max=TEXT_MAX)],
        filters=[strip],
        render_kw={"rows": 2},
    )

    def is_used(self) -> bool:
        return super().is_used() or any(entry.form.is_used() for entry in self.sources)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_used() and not any(entry.form.is_used() for entry in self.sources):
            self.sources[0].form.title.errors.append(_l("Cite at least one source."))
            ok = False
        named = check_pair(self.label_zh, self.label_en)
        return bool(check_pair(self.note_zh, self.note_en) and named and ok)


class ParameterRow(RowForm):
    KEY_FIELDS = ("name", "unit", "label_zh", "label_en", "default", "plausible_max")

    name = _formula_name_field()
    unit = StringField(_l("Unit"), [InUsedRow(), Length(max=120)], filters=[strip])
    label_zh = StringField(_l("Label (Chinese)"), [InUsedRow(), Length(max=120)], filters=[strip])
    label_en = StringField(_l("Label (English)"), [InUsedRow(), Length(max=200)], filters=[strip])
    default = StringField(
        _l("Default (optional)"),
        [InUsedRow(False), decimal_text],
        filters=[strip],
        description=_l("Used when a record does not carry the value."),
        render_kw={"inputmode": "decimal"},
    )
    is_flag = BooleanField(_l("Yes/no flag (0 or 1)"))
    plausible_min = StringField(
        _l("Smallest plausible value (optional)"),
        [InUsedRow(False), decimal_text],
        filters=[strip],
        render_kw={"inputmode": "decimal"},
    )
    plausible_max = StringField(
        _l("Largest plausible value"),
        [InUsedRow(False), decimal_text],
        filters=[strip],
        description=_l("A record carrying a value outside the range is flagged for review."),
        render_kw={"inputmode": "decimal"},
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not self.is_used() or self.is_flag.data:
            return bool(ok)  # a flag's range is 0 to 1
        low, high = self.plausible_min.data, self.plausible_max.data
        if not high:
            self.plausible_max.errors.append(_l("Give the largest plausible value."))
            return False
        if ok and low and Decimal(low) > Decimal(high):
            self.plausible_min.errors.append(_l("The smallest value is above the largest."))
            return False
        return bool(ok)


class CapRow(RowForm):
    grams = WholeNumberField(_l("Grams CO₂e"), [Optional(), NumberRange(min=0)])
    quantity = StringField(
        _l("Quantity"),
        [Optional(), decimal_text],
        filters=[strip],
        render_kw={"inputmode": "decimal"},
    )
    records = WholeNumberField(_l("Records"), [Optional(), NumberRange(min=0)])


class CapsForm(RowForm):
    day = FormField(CapRow, PERIOD_LABELS["day"])
    month = FormField(CapRow, PERIOD_LABELS["month"])
    year = FormField(CapRow, PERIOD_LABELS["year"])
