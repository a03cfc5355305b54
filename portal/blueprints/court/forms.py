"""The case form: money typed in yuan (two decimals at most), read into fen here; tonnes and
dates by their fields. Rules (案号, conversion, deadline) are checked by ``cases.rules``."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    Field,
    Form,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.blueprints.shared.case_labels import METHOD_LABELS, TYPE_LABELS
from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.methodology.fields import WholeNumberField
from portal.market.cases.rules import CaseFields

_YUAN = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")


def yuan_text(form: Form, field: Field) -> None:
    if field.data and not _YUAN.fullmatch(field.data.strip()):
        raise ValidationError(_l("Write an amount in yuan of 0 or more, such as 3082.50."))


def to_fen(text: str | None) -> int | None:
    value = (text or "").strip()
    return int(Decimal(value) * 100) if _YUAN.fullmatch(value) else None


class CaseForm(PortalForm):
    case_number = StringField(
        _l("Case number (案号)"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("Such as （2024）吉0102民初1234号."),
    )
    court_zh = StringField(_l("Court (Chinese)"), validators=[DataRequired(), Length(max=120)])
    court_en = StringField(
        _l("Court (English)"),
        validators=[DataRequired(), Length(max=160)],
        render_kw={"lang": "en"},
    )
    procuratorate_zh = StringField(
        _l("Procuratorate (Chinese)"), validators=[Optional(), Length(max=120)]
    )
    procuratorate_en = StringField(
        _l("Procuratorate (English)"),
        validators=[Optional(), Length(max=160)],
        render_kw={"lang": "en"},
    )
    case_type = SelectField(
        _l("Case type"),
        choices=[SelectChoice(code, label) for code, label in TYPE_LABELS.items()],
        validators=[InputRequired()],
    )
    defendant_name = StringField(
        _l("Defendant's name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("Kept for the court's officials; public pages show the public name."),
    )
    is_defendant_org = BooleanField(_l("The defendant is an organisation"))
    defendant_org_id = SelectField(
        _l("Defendant's organisation on the platform"), validators=[Optional()], coerce=str
    )
    public_defendant_zh = StringField(
        _l("Public name (Chinese)"),
        validators=[Optional(), Length(max=120)],
        description=_l("Leave empty for the standard pseudonym, such as 张某."),
    )
    public_defendant_en = StringField(
        _l("Public name (English)"),
        validators=[Optional(), Length(max=160)],
        render_kw={"lang": "en"},
    )
    damage_facts_zh = TextAreaField(_l("Damage facts (Chinese)"), validators=[DataRequired()])
    damage_facts_en = TextAreaField(
        _l("Damage facts (English)"), validators=[DataRequired()], render_kw={"lang": "en"}
    )
    appraiser_zh = StringField(
        _l("Appraiser (Chinese)"), validators=[DataRequired(), Length(max=120)]
    )
    appraiser_en = StringField(
        _l("Appraiser (English)"),
        validators=[DataRequired(), Length(max=160)],
        render_kw={"lang": "en"},
    )
    appraisal_report_no = StringField(
        _l("Appraisal report number"), validators=[DataRequired(), Length(max=80)]
    )
    damage_yuan = StringField(
        _l("Damage (yuan)"),
        validators=[InputRequired(_l("Enter the damage in yuan.")), yuan_text],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    method = RadioField(
        _l("Conversion into tonnes"),
        choices=[SelectChoice(code, label) for code, label in METHOD_LABELS.items()],
        validators=[InputRequired(_l("Choose how the damage converts into tonnes."))],
    )
    price_yuan = StringField(
        _l("Reference price per tonne (yuan)"),
        validators=[Optional(), yuan_text],
        description=_l(
            "For the value method: the tonnes are the damage divided by it, rounded up."
        ),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    appraisal_tonnes = WholeNumberField(
        _l("Tonnes in the appraisal (tCO₂e)"),
        validators=[Optional()],
        description=_l("For the appraisal method: whole tonnes."),
    )
    deadline_on = DateField(_l("Deadline"), validators=[InputRequired(_l("Choose the deadline."))])
    judgment_url = StringField(
        _l("Link to the judgment"),
        validators=[Optional(), Length(max=500)],
        description=_l("An https address, such as the judgment on China Judgements Online."),
        render_kw={"inputmode": "url"},
    )
    confirmed = HiddenField()

    def fields(self) -> CaseFields:
        org = self.defendant_org_id.data
        return CaseFields(
            case_number=self.case_number.data or "",
            court_zh=self.court_zh.data or "",
            court_en=self.court_en.data or "",
            procuratorate_zh=self.procuratorate_zh.data or "",
            procuratorate_en=self.procuratorate_en.data or "",
            case_type=self.case_type.data or "",
            defendant_name=self.defendant_name.data or "",
            is_defendant_org=bool(self.is_defendant_org.data),
            defendant_org_id=int(org) if org and org.isdigit() else None,
            public_defendant_zh=self.public_defendant_zh.data or "",
            public_defendant_en=self.public_defendant_en.data or "",
            damage_facts_zh=self.damage_facts_zh.data or "",
            damage_facts_en=self.damage_facts_en.data or "",
            appraiser_zh=self.appraiser_zh.data or "",
            appraiser_en=self.appraiser_en.data or "",
            appraisal_report_no=self.appraisal_report_no.data or "",
            damage_fen=to_fen(self.damage_yuan.data) or 0,
            method=self.method.data or "",
            price_fen_per_tonne=to_fen(self.price_yuan.data),
            appraisal_tonnes=self.appraisal_tonnes.data,
            deadline_on=self.deadline_on.data,  # type: ignore[arg-type]
            judgment_url=self.judgment_url.data or "",
        )
