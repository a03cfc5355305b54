"""The building blocks of the methodology definition form: input filters, shape validators, the
whole-number field and the repeated-row base whose blank rows are left alone."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.i18n import translations
from wtforms import Field, Form, IntegerField, SelectMultipleField, widgets
from wtforms.validators import StopValidation, ValidationError

from portal.blueprints.shared.forms import PortalSubForm
from portal.methodology.engine import QUANTITY_NAME

TEXT_MAX = 4000
_DECIMAL = re.compile(r"^\d{1,12}(\.\d{1,12})?$")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def one_line(value: Any) -> Any:
    # A formula is one expression; line breaks typed into its box are only layout.
    return " ".join(value.split()) if isinstance(value, str) else value


def decimal_text(form: Form, field: Field) -> None:
    """A non-negative decimal written with digits and at most one decimal point."""
    if field.data and not _DECIMAL.match(field.data):
        raise ValidationError(_l("Write a number of 0 or more, such as 0.4671."))


def not_quantity_name(form: Form, field: Field) -> None:
    if field.data == QUANTITY_NAME:
        raise ValidationError(_l("Q is the activity quantity; choose another name."))


class WholeNumberField(IntegerField):
    """An integer below 10^15: a longer one would fail inside WTForms' NumberRange (which turns
    it into a float) and overflow a 64-bit column."""

    LIMIT = 10**15

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) >= self.LIMIT:
            self.data = None
            raise ValueError(_l("The value is far too large."))

    def pre_validate(self, form: Form) -> None:
        # What was typed is not a whole number (say 5,000 digits, past what Python reads as
        # one): that is the one message; a range check of no number would only add confusion.
        # A blank box is left to the validators (``Optional`` clears its parse error).
        if self.process_errors and is_filled(self):
            raise StopValidation()


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RowForm(PortalSubForm):
    """A repeated row inside the definition form: no CSRF token of its own, WTForms' messages
    translated as in FlaskForm, and left alone when every one of its ``KEY_FIELDS`` is blank."""

    KEY_FIELDS: tuple[str, ...] = ()

    class Meta:
        def get_translations(self, form: Form) -> Any:
            return translations

    def is_used(self) -> bool:
        return any(is_filled(self._fields[name]) for name in self.KEY_FIELDS)


def is_filled(field: Field) -> bool:
    """Typed into (even if it does not parse, like a year "abc"), or prefilled."""
    if field.raw_data:
        return bool(str(field.raw_data[0]).strip())
    return field.data not in (None, "")


class InUsedRow:
    """``DataRequired`` for a row that is in use; a blank row skips its remaining validators."""

    def __init__(self, required: bool = True) -> None:
        self.required = required

    def __call__(self, form: RowForm, field: Field) -> None:
        empty = not is_filled(field)
        if not form.is_used():
            field.errors[:] = []
            raise StopValidation()
        if empty:
            field.errors[:] = []
            if self.required:
                raise StopValidation(_l("Fill this in, or clear the whole row."))
            raise StopValidation()


def check_pair(zh: Field, en: Field) -> bool:
    """Texts citizens read come in both languages: one without the other is refused."""
    if bool(zh.data) == bool(en.data):
        return True
    (en if zh.data else zh).errors.append(
        _l("Give this text in both languages, so the page reads the same in Chinese and English.")
    )
    return False
