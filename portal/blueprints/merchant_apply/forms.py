"""The merchant application form: shape only (the service checks the credit code's check
character, the phone number and the cities)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal.blueprints.shared.forms import PortalForm, city_choices
from portal.blueprints.shared.merchant_labels import CATEGORY_LABELS
from portal.blueprints.shared.methodology.fields import MultiCheckboxField, strip


class ApplicationForm(PortalForm):
    name_zh = StringField(
        _l("Organisation name in Chinese"),
        validators=[DataRequired(), Length(max=120)],
        filters=[strip],
        description=_l("As on the business licence."),
    )
    name_en = StringField(
        _l("Organisation name in English"),
        validators=[DataRequired(), Length(max=160)],
        filters=[strip],
    )
    unified_credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), Length(max=40)],
        filters=[strip],
        description=_l("18 characters, on the business licence."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "maxlength": 40},
    )
    category = SelectField(_l("Category"), validators=[DataRequired()])
    contact_name = StringField(
        _l("Contact person"), validators=[DataRequired(), Length(max=40)], filters=[strip]
    )
    contact_phone = StringField(
        _l("Contact mobile number"),
        validators=[DataRequired(), Length(max=20)],
        filters=[strip],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    city_codes = MultiCheckboxField(
        _l("Regions served"),
        validators=[DataRequired(message=_l("Choose at least one city or prefecture."))],
    )

    def __init__(self, *args: Any, language: str = "zh", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [("", str(_l("Choose…")))] + [
            (code, str(label)) for code, label in CATEGORY_LABELS.items()
        ]
        self.city_codes.choices = city_choices(language)
