"""The mall's forms: browse filters (shape only, read from the query string), the redeem
confirmation carrying its one-time token, and the cancel button."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.blueprints.shared.forms import PortalForm, city_choices
from portal.blueprints.shared.merchant_labels import CATEGORY_LABELS
from portal.blueprints.shared.methodology.fields import strip


class BrowseForm(PortalForm):
    class Meta:
        csrf = False  # a GET search, read from the query string

    q = StringField(_l("Search by title"), validators=[Optional(), Length(max=40)], filters=[strip])
    city = SelectField(_l("City"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("newest", _l("Newest first")),
            SelectChoice("cost_asc", _l("Fewest points first")),
            SelectChoice("cost_desc", _l("Most points first")),
        ],
        default="newest",
        validators=[Optional()],
    )

    def __init__(self, *args: Any, language: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city.choices = city_choices(language, blank=_l("Every city"))
        self.category.choices = [SelectChoice("", str(_l("Every category")))] + [
            SelectChoice(code, str(label)) for code, label in CATEGORY_LABELS.items()
        ]


class RedeemForm(PortalForm):
    request_key = HiddenField(validators=[DataRequired()])


class CancelForm(PortalForm):
    """The cancel button: its CSRF token only."""
