"""The operator's campaign forms: a campaign (texts, local start and end, grace, cap, one
multiplier box per scenario) and the budget funding with its confirmation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.methodology.fields import WholeNumberField
from portal.gamification.campaigns.calendar import load_themed_days
from portal.gamification.campaigns.queries import Scenario
from portal.gamification.campaigns.services import LOCAL, CampaignFields
from portal.web.i18n import localized

PREFIX = "m_"  # a multiplier box is named m_<scenario code>
MINUTES = "%Y-%m-%dT%H:%M"  # what a datetime-local input sends, and shows back


class CampaignForm(PortalForm):
    theme = SelectField(_l("Theme"), validators=[DataRequired()])
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=80)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=120)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[DataRequired()])
    description_en = TextAreaField(
        _l("Description (English)"), validators=[DataRequired()], render_kw={"lang": "en"}
    )
    starts_at = DateTimeLocalField(
        _l("Starts (Beijing time)"),
        format=MINUTES,
        validators=[InputRequired(_l("Enter when the campaign starts."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ends (Beijing time)"),
        format=MINUTES,
        validators=[InputRequired(_l("Enter when the campaign ends."))],
        description=_l("The campaign runs up to this moment, which is not included."),
    )
    grace_hours = WholeNumberField(
        _l("Grace window for late data (hours)"),
        validators=[InputRequired(_l("Enter the grace window in hours (0 for none)."))],
        description=_l(
            "Records done during the campaign still count if they are quantified within this "
            "many hours after it ends."
        ),
    )
    cap_points = WholeNumberField(
        _l("Bonus cap per person (points)"),
        validators=[InputRequired(_l("Enter the cap in points."))],
    )

    def scenario_fields(self) -> list[Any]:
        return [f for f in self if f.name.startswith(PREFIX)]

    def fields(self) -> CampaignFields:
        return CampaignFields(
            theme=self.theme.data or "",
            title_zh=self.title_zh.data or "",
            title_en=self.title_en.data or "",
            description_zh=self.description_zh.data or "",
            description_en=self.description_en.data or "",
            starts_local=self.starts_at.data,
            ends_local=self.ends_at.data,
            grace_hours=self.grace_hours.data if self.grace_hours.data is not None else -1,
            cap_points=self.cap_points.data or 0,
            percents={
                f.name.removeprefix(PREFIX): f.data
                for f in self.scenario_fields()
                if f.data is not None
            },
        )


def campaign_form(scenarios: list[Scenario], **kwargs: Any) -> CampaignForm:
    """A campaign form with one optional multiplier box per scenario (blank: no multiplier)."""

    class Form(CampaignForm):
        pass

    for scenario in scenarios:
        setattr(
            Form,
            PREFIX + scenario.code,
            WholeNumberField(
                localized(scenario, "title"),
                validators=[Optional()],
                render_kw={"inputmode": "numeric"},
            ),
        )
    form = Form(**kwargs)
    form.theme.choices = [(LOCAL, str(_l("Local campaign")))] + [
        (day.key, localized(day, "name")) for day in load_themed_days()
    ]
    return form


class FundForm(PortalForm):
    points = WholeNumberField(
        _l("Points to add to the budget"),
        validators=[InputRequired(_l("Enter how many points to add."))],
    )
    confirm = BooleanField(
        _l("I confirm: these points are issued from the platform into this campaign's budget."),
        validators=[DataRequired(_l("Tick the box to confirm the funding."))],
    )
    token = HiddenField()
