"""The retire form: tonnes and the year typed as text and read as whole numbers here (so
"1.5", "-3" or "abc" get one clear message); the purpose from the organisation's list; the
event or the case chosen from those of the organisation that still need tonnes; the
beneficiary in both languages. The year, the event and the case are checked by hand (no
``Optional``, which would stop the check) as only some purposes need them. The service checks
the rules (what is held, the year, whose event or case it is)."""

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


def purpose_choices(*, buyer: bool, events: bool, cases: bool) -> list[tuple[str, str]]:
    """The purposes an organisation may retire for now: a buyer's own (operations,
    voluntary) and an event or a case only while one of its own still needs tonnes and the
    purpose's check is registered; a court or procuratorate (no buyer) only for its cases."""
    offered = {
        RetirementPurpose.OPERATIONS.value: buyer,
        RetirementPurpose.VOLUNTARY.value: buyer,
        RetirementPurpose.EVENT.value: buyer and events,
        RetirementPurpose.COMPENSATION.value: cases,
    }
    return [
        (p.value, str(PURPOSE_LABELS[p.value]))
        for p in RetirementPurpose
        if offered[p.value] and (p.value not in REFERENCE_COLUMNS or purpose_check(p.value))
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
    event = SelectField(
        _l("Event"),
        default="",
        description=_l("Only for an event: one of yours with a footprint still to cover."),
    )
    case = SelectField(
        _l("Court case"),
        default="",
        description=_l("Only for a court case: an open case that still needs tonnes."),
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

    def offer(
        self,
        purposes: list[tuple[str, str]],
        events: list[tuple[str, str]],
        cases: list[tuple[str, str]],
    ) -> None:
        """Fill the choices: the purposes, and the events and cases as ``(id, label)``."""
        self.purpose.choices = purposes
        self.event.choices = [("", str(_l("Choose an event"))), *events]
        self.case.choices = [("", str(_l("Choose a case"))), *cases]

    @property
    def reference(self) -> SelectField:
        """The field of the event or case the purpose names (the service's refusals name
        ``reference``)."""
        return self.case if self.purpose.data == RetirementPurpose.COMPENSATION else self.event

    def validate_tonnes(self, field: StringField) -> None:
        if _whole(field.data) in (None, 0):
            raise ValidationError(_l("Enter a whole number of tonnes, such as 5."))

    def validate_year(self, field: StringField) -> None:
        if self.purpose.data == RetirementPurpose.OPERATIONS.value and _whole(field.data) is None:
            raise ValidationError(_l("Enter the year of the operations offset, such as 2026."))

    def validate_event(self, field: SelectField) -> None:
        if self.purpose.data == RetirementPurpose.EVENT and not _whole(field.data):
            raise ValidationError(_l("Choose the event the tonnes are retired for."))

    def validate_case(self, field: SelectField) -> None:
        if self.purpose.data == RetirementPurpose.COMPENSATION and not _whole(field.data):
            raise ValidationError(_l("Choose the case the tonnes are retired for."))

    @property
    def values(self) -> dict[str, object]:
        """The checked fields as the service takes them."""
        return {
            "tonnes": _whole(self.tonnes.data),
            "purpose": self.purpose.data,
            "year": _whole(self.year.data),
            "reference_id": _whole(self.reference.data)
            if self.purpose.data in REFERENCE_COLUMNS
            else None,
            "beneficiary_zh": (self.beneficiary_zh.data or "").strip(),
            "beneficiary_en": (self.beneficiary_en.data or "").strip(),
        }


class ConfirmRetireForm(RetireForm):
    """The confirmation step: the same fields again, and the one-time token of the retirement."""

    token = HiddenField()
