"""Sign-up and login forms: shape only; the account services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from portal.accounts.identity import PASSWORD_MAX, PASSWORD_RULE, parse_identifier, password_problem
from portal.blueprints.shared.forms import city_choices


def _check_login(form: FlaskForm, field: StringField) -> None:
    if parse_identifier(field.data or "") is None:
        raise ValidationError(_l("Enter a mainland mobile number (11 digits) or an email address."))


class RegisterForm(FlaskForm):
    login = StringField(
        _l("Mobile number or email"),
        validators=[DataRequired(), Length(max=254), _check_login],
        render_kw={"autocomplete": "username", "inputmode": "email", "autocapitalize": "off"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        description=PASSWORD_RULE,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(min=1, max=40)],
        description=_l("Shown on leaderboards as an alias unless you opt in to your name."),
        render_kw={"autocomplete": "nickname"},
    )
    city_code = SelectField(_l("City or prefecture"), validators=[DataRequired()])
    district = StringField(
        _l("District or county (optional)"), validators=[Optional(), Length(max=40)]
    )
    consent = BooleanField(
        _l("I have read and agree to the privacy notice"),
        validators=[DataRequired(message=_l("You must agree to the privacy notice to sign up."))],
    )

    def __init__(self, *args: object, language: str = "zh", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.city_code.choices = city_choices(language, blank=_l("Choose…"))

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", (self.login.data or "").strip())
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    login = StringField(
        _l("Mobile number or email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "off"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
