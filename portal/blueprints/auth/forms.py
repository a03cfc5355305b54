"""Sign-up and login forms: shape only; the account services check the rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.accounts.identity import PASSWORD_MAX, PASSWORD_RULE, parse_identifier, password_problem
from portal.blueprints.shared.forms import PortalForm, ProfileForm, birth_year_field


def _check_login(form: PortalForm, field: StringField) -> None:
    if parse_identifier(field.data or "") is None:
        raise ValidationError(_l("Enter a mainland mobile number (11 digits) or an email address."))


class RegisterForm(ProfileForm):
    """A login and password, the profile (``ProfileForm``), the year of birth and consent to
    the privacy notice."""

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
    birth_year = birth_year_field(
        _l("Under 14, a parent or guardian must agree before you redeem or donate points.")
    )
    consent = BooleanField(
        _l("I have read and agree to the privacy notice"),
        validators=[DataRequired(message=_l("You must agree to the privacy notice to sign up."))],
    )

    def __init__(self, *args: Any, language: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, language=language, blank=_l("Choose…"), **kwargs)

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", (self.login.data or "").strip())
        if problem:
            raise ValidationError(problem)


class LoginForm(PortalForm):
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
