"""The donation form: points typed as text, read as a whole number here (so "1.5", "-3" or
"abc" get one clear message) and checked against the rules by the service."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, ValidationError

from portal.blueprints.shared.forms import PortalForm
from portal.errors import InvalidInput
from portal.welfare.rules import donation_points

_DIGITS = re.compile(r"[0-9]{1,12}")


class DonateForm(PortalForm):
    points = StringField(
        _l("Points to donate"),
        validators=[InputRequired(_l("Enter how many points to donate."))],
        description=_l("Whole points, at least 1."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )

    def validate_points(self, field: StringField) -> None:
        if not _DIGITS.fullmatch((field.data or "").strip()):
            raise ValidationError(_l("Enter a whole number of points, such as 100."))
        try:
            donation_points(int(field.data.strip()))
        except InvalidInput as error:
            raise ValidationError(str(error.message)) from error

    @property
    def amount(self) -> int:
        return int((self.points.data or "").strip())


class ConfirmDonationForm(DonateForm):
    """The confirmation step: the amount again, and the one-time token that keys the posting."""

    token = HiddenField()
