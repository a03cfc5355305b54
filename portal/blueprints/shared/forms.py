"""Form helpers used by more than one audience: the forms' bases, whose every text field is
held to ``portal.text.text_problem``, the city select's options, the profile fields that
sign-up and the account page share, and an official's approve-or-reject decision."""

from __future__ import annotations

import functools
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    Form,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from portal.accounts.regions import CITIES
from portal.accounts.rules import birth_year_problem
from portal.clock import local_today
from portal.text import text_problem


class PlainText:
    """The validator: no control characters (line breaks only in ``multiline`` fields), no
    direction overrides, not only invisible characters. It runs first and stops the field's
    other validators, so the one message says what is wrong."""

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: Form, field: Field) -> None:
        problem = text_problem(
            field.data if isinstance(field.data, str) else None, multiline=self.multiline
        )
        if problem is not None:
            raise StopValidation(str(problem))


class PlainTextMeta:
    """Form ``Meta`` that puts :class:`PlainText` in front of every text field's validators
    (``TextAreaField`` may hold line breaks; passwords are secrets, not text anyone reads), so
    no form can forget it."""

    def bind_field(self, form: Form, unbound_field: Any, options: dict[str, Any]) -> Field:
        field: Field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        if isinstance(field, StringField) and not isinstance(field, PasswordField):
            check = PlainText(multiline=isinstance(field, TextAreaField))
            field.validators = [check, *field.validators]
        return field


@functools.cache
def _wtforms_translations(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class PortalForm(FlaskForm):
    """The base of every page's form (CSRF from Flask-WTF, text held to the one rule)."""

    class Meta(PlainTextMeta):
        def get_translations(self, form: Form) -> Any:
            """WTForms' own messages in the reader's language, their catalogue read once per
            locale (Flask-WTF reads the file again on every request)."""
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)  # type: ignore[misc]
            return _wtforms_translations(str(get_locale()))


class PortalSubForm(Form):
    """The base of a form repeated inside another (no CSRF token of its own)."""

    class Meta(PlainTextMeta):
        pass


def city_choices(language: str, blank: object = None) -> list[SelectChoice]:
    """Jilin's nine cities and prefectures as select options, optionally after a blank prompt."""
    options = [SelectChoice("", str(blank))] if blank is not None else []
    return options + [
        SelectChoice(c.code, c.name_zh if language == "zh" else c.name_en) for c in CITIES
    ]


class ProfileForm(PortalForm):
    """Display name, city and district: filled in at sign-up, changed on the account page."""

    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(min=1, max=40)],
        description=_l("Shown on leaderboards as an alias unless you opt in to your name."),
        render_kw={"autocomplete": "nickname"},
    )
    city_code = SelectField(
        _l("City or prefecture"),
        validators=[
            DataRequired(message=_l("Choose the city or prefecture of Jilin you live in."))
        ],
    )
    district = StringField(
        _l("District or county (optional)"), validators=[Optional(), Length(max=40)]
    )

    def __init__(
        self, *args: Any, language: str = "zh", blank: object = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.city_code.choices = city_choices(language, blank=blank)


def birth_year_of(field: Field) -> int | None:
    """The year a ``birth_year_field`` holds, as a number (None if it is not four digits)."""
    text = (field.data or "").strip()
    return int(text) if len(text) == 4 and text.isascii() and text.isdigit() else None


def _check_birth_year(form: Form, field: StringField) -> None:
    year = birth_year_of(field)
    problem = birth_year_problem(year if year is not None else field.data, local_today())
    if problem is not None:
        raise ValidationError(problem)


def birth_year_field(description: Any = None) -> StringField:
    """The year of birth, four digits, checked by ``accounts.rules.birth_year_problem``; asked
    at sign-up and of a guardian whose account has none. Read it with ``birth_year_of``."""
    return StringField(
        _l("Year of birth"),
        validators=[
            DataRequired(message=_l("Enter your year of birth as four digits, for example 2010.")),
            _check_birth_year,
        ],
        description=description,
        render_kw={"inputmode": "numeric", "autocomplete": "bday-year", "maxlength": 4},
    )


class DecisionForm(PortalForm):
    """Approve or reject, with a reason the person decided about reads: required to reject,
    checked before anything is asked. Subclasses name that person in ``REASON_LABEL`` and
    ``MISSING_REASON``."""

    REASON_LABEL: Any = _l("Reason (required to reject)")
    MISSING_REASON: Any = _l("Give a reason for the rejection.")

    # The button pressed.
    decision = StringField(validators=[AnyOf(("approve", "reject"))])
    reason = TextAreaField(
        validators=[Optional(), Length(max=2000)],
        # The reject button needs it, so the browser asks for it before the confirmation; the
        # approve button is formnovalidate.
        render_kw={"rows": 3, "required": True},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason.label.text = str(self.REASON_LABEL)

    @property
    def approves(self) -> bool:
        return self.decision.data == "approve"

    def validate_reason(self, field: TextAreaField) -> None:
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(str(self.MISSING_REASON))
