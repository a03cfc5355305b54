"""Event forms: the event's details, the footprint calculator (one text field per input, read
as a decimal by the engine so every refusal names its field) and linking a mall offer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.blueprints.shared.forms import PortalForm, city_choices
from portal.blueprints.shared.methodology.fields import WholeNumberField
from portal.market.events.footprint import BOUNDS
from portal.market.events.models import EventKind
from portal.market.events.services import EventFields

KIND_LABELS = {
    EventKind.PERFORMANCE: _l("Performance"),
    EventKind.SPORTS: _l("Sports event"),
    EventKind.CONFERENCE: _l("Conference"),
    EventKind.FORUM: _l("Forum"),
    EventKind.EXHIBITION: _l("Exhibition"),
}


class EventForm(PortalForm):
    organisation_id = SelectField(_l("Organiser"), coerce=str)
    kind = SelectField(
        _l("Kind of event"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
    )
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=80)])
    title_en = StringField(
        _l("Title (English)"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"lang": "en"},
    )
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    venue_zh = StringField(_l("Venue (Chinese)"), validators=[DataRequired(), Length(max=80)])
    venue_en = StringField(
        _l("Venue (English)"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"lang": "en"},
    )
    city_code = SelectField(_l("City or prefecture"), validators=[DataRequired()])
    attendees = WholeNumberField(
        _l("Expected attendees"),
        validators=[InputRequired(_l("Enter how many people will attend."))],
        description=_l("Everyone taking part: audience, athletes, staff. At most 1,000,000."),
    )

    def __init__(self, *args: object, language: str = "zh", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.city_code.choices = city_choices(language)

    def fields(self) -> EventFields:
        return EventFields(
            kind=self.kind.data or "",
            title_zh=self.title_zh.data or "",
            title_en=self.title_en.data or "",
            starts_on=self.starts_on.data,  # type: ignore[arg-type]
            ends_on=self.ends_on.data,  # type: ignore[arg-type]
            venue_zh=self.venue_zh.data or "",
            venue_en=self.venue_en.data or "",
            city_code=self.city_code.data or "",
            attendees=self.attendees.data or 0,
        )


INPUT_LABELS = {
    "travel_air": (_l("Air travel"), _l("person-km")),
    "travel_hsr": (_l("High-speed rail"), _l("person-km")),
    "travel_rail": (_l("Conventional rail"), _l("person-km")),
    "travel_coach": (_l("Coach"), _l("person-km")),
    "travel_car": (_l("Car"), _l("person-km")),
    "travel_metro_bus": (_l("Metro and bus"), _l("person-km")),
    "accommodation_nights": (_l("Hotel nights"), _l("guest-nights")),
    "meals": (_l("Meals served"), _l("meals")),
    "electricity_kwh": (_l("Venue electricity"), _l("kWh")),
    "heat_gj": (_l("Purchased heat"), _l("GJ")),
    "diesel_l": (_l("Diesel"), _l("litres")),
    "gasoline_l": (_l("Petrol"), _l("litres")),
    "natural_gas_m3": (_l("Natural gas"), _l("m³")),
    "paper_kg": (_l("Paper"), _l("kg")),
    "plastics_kg": (_l("Plastics"), _l("kg")),
    "waste_kg": (_l("Waste"), _l("kg")),
}
# Each factor's unit (``event_factors.yaml``) in the reader's words; one missing here is shown
# as written in the data.
FACTOR_UNIT_LABELS = {
    "kgCO2/passenger-km": _l("kg CO₂/person-km"),
    "kgCO2e/passenger-km": _l("kg CO₂e/person-km"),
    "kgCO2/person-km": _l("kg CO₂/person-km"),
    "kgCO2e/room-night": _l("kg CO₂e/guest-night"),
    "kgCO2e/meal": _l("kg CO₂e/meal"),
    "kgCO2/kWh": _l("kg CO₂/kWh"),
    "kgCO2/GJ": _l("kg CO₂/GJ"),
    "kgCO2/L": _l("kg CO₂/litre"),
    "kgCO2/m3": _l("kg CO₂/m³"),
    "kgCO2e/kg": _l("kg CO₂e/kg"),
}
CATEGORY_LABELS = {
    "travel": _l("Travel of attendees"),
    "accommodation": _l("Accommodation"),
    "catering": _l("Catering"),
    "energy": _l("Venue electricity and heat"),
    "fuels": _l("Fuels burnt"),
    "materials": _l("Materials"),
    "waste": _l("Waste"),
}

# The chart's labels: short enough for its label column on a phone.
CHART_LABELS = {
    "travel": _l("Travel"),
    "accommodation": _l("Hotels"),
    "catering": _l("Meals"),
    "energy": _l("Energy"),
    "fuels": _l("Fuels"),
    "materials": _l("Materials"),
    "waste": _l("Waste"),
}


class FootprintForm(PortalForm):
    """One optional text field per engine input (blank = 0), built from ``BOUNDS``."""


for _key, (_label, _unit) in INPUT_LABELS.items():
    setattr(
        FootprintForm,
        _key,
        StringField(
            _label,
            description=_unit,
            render_kw={"inputmode": "decimal", "autocomplete": "off"},
        ),
    )
assert set(INPUT_LABELS) == set(BOUNDS)


class LinkOfferForm(PortalForm):
    offer_id = SelectField(_l("Offer of the points mall"), coerce=str)
