"""The operator's public-welfare forms: a project, and a progress update."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.methodology.fields import WholeNumberField
from portal.welfare.services import ProjectFields


class ProjectForm(PortalForm):
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=80)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=120)])
    summary_zh = TextAreaField(_l("Summary (Chinese)"), validators=[DataRequired()])
    summary_en = TextAreaField(
        _l("Summary (English)"), validators=[DataRequired()], render_kw={"lang": "en"}
    )
    beneficiary_org_id = SelectField(
        _l("Beneficiary organisation on the platform"), validators=[Optional()], coerce=str
    )
    beneficiary_zh = StringField(
        _l("Beneficiary (Chinese)"),
        validators=[Optional(), Length(max=120)],
        description=_l("Needed when the beneficiary is not an organisation on the platform."),
    )
    beneficiary_en = StringField(
        _l("Beneficiary (English)"), validators=[Optional(), Length(max=160)]
    )
    goal_points = WholeNumberField(
        _l("Goal (points)"), validators=[InputRequired(_l("Enter the goal in points."))]
    )
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])

    def fields(self) -> ProjectFields:
        org = self.beneficiary_org_id.data
        return ProjectFields(
            title_zh=self.title_zh.data or "",
            title_en=self.title_en.data or "",
            summary_zh=self.summary_zh.data or "",
            summary_en=self.summary_en.data or "",
            goal_points=self.goal_points.data or 0,
            starts_on=self.starts_on.data,  # type: ignore[arg-type]
            ends_on=self.ends_on.data,  # type: ignore[arg-type]
            beneficiary_zh=self.beneficiary_zh.data or "",
            beneficiary_en=self.beneficiary_en.data or "",
            beneficiary_org_id=int(org) if org and org.isdigit() else None,
        )


class UpdateForm(PortalForm):
    text_zh = TextAreaField(_l("Update (Chinese)"), validators=[DataRequired()])
    text_en = TextAreaField(
        _l("Update (English)"), validators=[DataRequired()], render_kw={"lang": "en"}
    )
