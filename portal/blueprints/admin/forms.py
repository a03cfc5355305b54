"""Administration forms."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from portal.accounts.models import MemberRole, OrgKind
from portal.blueprints.shared.forms import PortalForm, city_choices
from portal.certificates.reasons import REVOCATION_REASONS

ORG_KIND_LABELS = {
    OrgKind.REGULATOR: _l("Regulator (ecology authority)"),
    OrgKind.COURT: _l("Court"),
    OrgKind.PROCURATORATE: _l("Procuratorate"),
    OrgKind.ENTERPRISE: _l("Enterprise"),
    OrgKind.EVENT_ORGANISER: _l("Event organiser"),
    OrgKind.SCHOOL: _l("School"),
    OrgKind.NGO: _l("NGO / volunteer group"),
    OrgKind.MERCHANT: _l("Merchant"),
    OrgKind.BANK: _l("Bank"),
    OrgKind.PARTNER: _l("Partner platform"),
}
MEMBER_ROLE_LABELS = {MemberRole.MANAGER: _l("Manager"), MemberRole.STAFF: _l("Staff")}


class OrganisationForm(PortalForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, label) for k, label in ORG_KIND_LABELS.items()]
    )
    city_code = SelectField(_l("City or prefecture"), validators=[DataRequired()])
    unified_credit_code = StringField(
        _l("Unified social credit code (optional)"),
        validators=[
            Optional(),
            Regexp(
                r"^[0-9A-HJ-NPQRTUWXY]{18}$",
                message=_l("18 characters: digits and capital letters."),
            ),
        ],
    )

    def __init__(self, *args: object, language: str = "zh", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.city_code.choices = city_choices(language)


class GrantForm(PortalForm):
    login = StringField(
        _l("Member's mobile number or email"), validators=[DataRequired(), Length(max=254)]
    )
    role = SelectField(
        _l("Role in the organisation"),
        choices=[SelectChoice(r.value, label) for r, label in MEMBER_ROLE_LABELS.items()],
    )


class RevokeCertificateForm(PortalForm):
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(code, label) for code, label in REVOCATION_REASONS.items()],
    )


def _in_our_era(form: PortalForm, field: DateField) -> None:
    """Audit dates from 2000 to 2999: the first and last days a calendar holds cannot be moved
    into UTC or past midnight."""
    if field.data is not None and not date(2000, 1, 1) <= field.data <= date(2999, 12, 31):
        raise ValidationError(_l("Choose a date from 2000 to 2999."))


class AuditSearchForm(PortalForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    action = StringField(_l("Action (prefix)"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=254)])
    subject_type = StringField(_l("Subject type"), validators=[Optional(), Length(max=40)])
    subject_id = StringField(_l("Subject id"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("From (date)"), validators=[Optional(), _in_our_era])
    until = DateField(_l("Until (date, inclusive)"), validators=[Optional(), _in_our_era])
