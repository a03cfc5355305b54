"""The retire form: tonnes and the year typed as text and read as whole numbers here (so
"1.5", "-3" or "abc" get one clear message); the purpose from the closed list; the
beneficiary in both languages. The year and the event or case number are checked by hand
(no ``Optional``, which would stop the check) as only some purposes need them. The service
checks the rules (what is held, the year)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.retirement_labels import PURPOSE_LABELS
from portal.market.models import RetirementPurpose
from portal.market.purposes import REFERENCE_COLUMNS, purpose_check
from portal.market.retirement_rules import BENEFICIARY_EN_LENGTH, BENEFICIARY_ZH_LENGTH

_DIGITS = re.compile(r"[0-9]{1,12}")


def _whole(text: str | None) -> int | None:
    value = (text or "").strip()
    return int(value) if _DIGITS.fullmatch(value) else None


def open_purposes() -> list[tuple[str, str]]:
    """The purposes one may retire for now: those naming an event or a case only while their
    package has registered its check."""
    return [
        (p.value, str(PURPOSE_LABELS[p.value]))
        for p in RetirementPurpose
        if p.value not in REFERENCE_COLUMNS or purpose_check(p.value) is not None
    ]


class RetireForm(PortalForm):
    tonnes = StringField(
        _l("Tonnes to retire"),
        validators=[InputRequired(_l("Enter how many tonnes to retire."))],
        description=_l("Whole tonnes (t CO₂e), at least 1."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    purpose = SelectField(_l("Purpose"), validators=[InputRequired(_l("Choose a purpose."))])
    year = StringField(
        _l("Year of the operations"),
        description=_l("Only for an organisation's operations: the year offset."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    reference = StringField(
        _l("Event or case number"),
        description=_l("Only for an event or a court case: its number on this platform."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    beneficiary_zh = StringField(
        _l("Beneficiary (Chinese)"),
        validators=[
            InputRequired(_l("Name the beneficiary in Chinese.")),
            Length(max=BENEFICIARY_ZH_LENGTH),
        ],
    )
    beneficiary_en = StringField(
        _l("Beneficiary (English)"),
        validators=[
            InputRequired(_l("Name the beneficiary in English.")),
            Length(max=BENEFICIARY_EN_LENGTH),
        ],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.purpose.choices = open_purposes()

    def validate_tonnes(self, field: StringField) -> None:
        if _whole(field.data) in (None, 0):
            raise ValidationError(_l("Enter a whole number of tonnes, such as 5."))

    def validate_year(self, field: StringField) -> None:
        if self.purpose.data == RetirementPurpose.OPERATIONS.value and _whole(field.data) is None:
            raise ValidationError(_l("Enter the year of the operations offset, such as 2026."))

    def validate_reference(self, field: StringField) -> None:
        if self.purpose.data in REFERENCE_COLUMNS and not _whole(field.data):
            raise ValidationError(_l("Enter the number of the event or case."))

    @property
    def values(self) -> dict[str, object]:
        """The checked fields as the service takes them."""
        return {
            "tonnes": _whole(self.tonnes.data),
            "purpose": self.purpose.data,
            "year": _whole(self.year.data),
            "reference_id": _whole(self.reference.data),
            "beneficiary_zh": (self.beneficiary_zh.data or "").strip(),
            "beneficiary_en": (self.beneficiary_en.data or "").strip(),
        }


class ConfirmRetireForm(RetireForm):
    """The confirmation step: the same fields again, and the one-time token of the retirement."""

    token = HiddenField()
