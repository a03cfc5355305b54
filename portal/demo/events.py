"""Demo large events of the demo event organiser: the 长春马拉松, with a calculated footprint
(about 1,500 t, more than the demo supply: it stays not yet neutral) and a linked mall offer,
and a one-day forum whose smaller footprint the organiser offsets (``portal.demo.offsets``).
Idempotent: an event is found by its Chinese title, its footprint calculated only when it has
none, the offer linked only when it is not yet."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.db import session
from portal.demo.accounts import DEMO_LOGINS, find_user
from portal.market.events import queries
from portal.market.events.models import Event
from portal.market.events.services import (
    EventFields,
    calculate_footprint,
    create_event,
    link_offer,
)
from portal.merchants.models import Offer, OfferStatus

ORGANISER = next(d for d in DEMO_LOGINS if d.audience == "event organiser")
MARATHON = EventFields(
    kind="sports",
    title_zh="长春马拉松",
    title_en="Changchun Marathon",
    starts_on=date(2026, 5, 17),
    ends_on=date(2026, 5, 17),
    venue_zh="长春市南岭体育场",
    venue_en="Nanling Stadium, Changchun",
    city_code="220100",
    attendees=30_000,
)
# Runners' and visitors' travel, hotels, meals, the race village's power and the course's
# fuel and materials: plausible figures for a 30,000-runner city marathon.
INPUTS = {
    "travel_air": "1200000",
    "travel_hsr": "3000000",
    "travel_coach": "400000",
    "travel_car": "900000",
    "travel_metro_bus": "300000",
    "accommodation_nights": "12000",
    "meals": "45000",
    "electricity_kwh": "80000",
    "diesel_l": "3000",
    "paper_kg": "2500",
    "plastics_kg": "6000",
    "waste_kg": "20000",
}


FORUM = EventFields(
    kind="forum",
    title_zh="吉林绿色低碳发展论坛",
    title_en="Jilin Green and Low-Carbon Development Forum",
    starts_on=date(2026, 9, 18),
    ends_on=date(2026, 9, 18),
    venue_zh="长春国际会展中心",
    venue_en="Changchun International Convention and Exhibition Center",
    city_code="220100",
    attendees=300,
)
# 300 delegates for a day: most come by high-speed rail, some fly in, a few stay a night;
# lunch and a dinner, the hall's power, printed programmes and waste.
FORUM_INPUTS = {
    "travel_air": "8000",
    "travel_hsr": "60000",
    "travel_car": "6000",
    "travel_metro_bus": "3000",
    "accommodation_nights": "80",
    "meals": "600",
    "electricity_kwh": "2000",
    "paper_kg": "150",
    "waste_kg": "400",
}


def _event(fields: EventFields, inputs: dict[str, str]) -> Event:
    """The organiser's event of that title with a footprint, recorded where it is missing."""
    organiser = find_user(ORGANISER.login)
    assert organiser is not None and ORGANISER.org is not None
    org = queries.organiser_organisations(organiser)[0]
    event = session().scalars(select(Event).where(Event.title_zh == fields.title_zh)).first()
    if event is None:
        event = create_event(actor=organiser, organisation_id=org.id, fields=fields)
    if queries.latest_footprint(event.id) is None:
        calculate_footprint(actor=organiser, event_id=event.id, inputs=inputs)
    return event


def forum() -> Event:
    """The demo forum (seeded by ``seed_events``)."""
    return _event(FORUM, FORUM_INPUTS)


def seed_events() -> Event:
    """Both demo events; returns the marathon."""
    organiser = find_user(ORGANISER.login)
    assert organiser is not None
    event = _event(MARATHON, INPUTS)
    forum()
    offer = (
        session()
        .scalars(
            select(Offer).where(Offer.status == OfferStatus.PUBLISHED.value).order_by(Offer.id)
        )
        .first()
    )
    if offer is not None and queries.get_offer_link(event.id, offer.id) is None:
        link_offer(actor=organiser, event_id=event.id, offer_id=offer.id)
    return event
