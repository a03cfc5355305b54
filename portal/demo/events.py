"""Demo large event: the 长春马拉松 of the demo event organiser, with a calculated footprint and
a linked mall offer. Idempotent: the event is found by its Chinese title, the footprint is
calculated only when it has none, the offer linked only when it is not yet."""

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


def seed_events() -> Event:
    organiser = find_user(ORGANISER.login)
    assert organiser is not None and ORGANISER.org is not None
    org = queries.organiser_organisations(organiser)[0]
    event = session().scalars(select(Event).where(Event.title_zh == MARATHON.title_zh)).first()
    if event is None:
        event = create_event(actor=organiser, organisation_id=org.id, fields=MARATHON)
    if queries.latest_footprint(event.id) is None:
        calculate_footprint(actor=organiser, event_id=event.id, inputs=INPUTS)
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
