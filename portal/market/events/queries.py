"""Event reads: events, their latest footprint, the tonnes retired for them, whether they are
碳中和, who may organise them and the mall offers they link."""

from __future__ import annotations

from collections.abc import Iterable

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from portal.accounts.models import Membership, Organisation, OrgKind, Role, User
from portal.db import session
from portal.market.events.models import Event, EventFootprint, EventOffer
from portal.market.models import Retirement, RetirementPurpose
from portal.merchants.models import Offer, OfferRevision, OfferStatus
from portal.pagination import paginate


def get_event(event_id: int, *, for_update: bool = False) -> Event | None:
    if for_update:
        return session().get(Event, event_id, with_for_update=True, populate_existing=True)
    return session().get(Event, event_id)


def list_public_events(page: int = 1) -> Pagination:
    """Every event, the latest first (events are public from the moment they are recorded:
    the guideline asks that the accounting be published openly)."""
    return paginate(select(Event).order_by(Event.starts_on.desc(), Event.id.desc()), page)


def list_organisation_events(organisation_ids: Iterable[int], page: int = 1) -> Pagination:
    stmt = select(Event).where(Event.organisation_id.in_(list(organisation_ids)))
    return paginate(stmt.order_by(Event.id.desc()), page)


def organiser_organisations(user: User) -> list[Organisation]:
    """The event-organiser organisations ``user`` acts for (a buyer member of one), by name."""
    if not user.is_authenticated or not user.has_role(Role.BUYER):
        return []
    stmt = (
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, Organisation.kind == OrgKind.EVENT_ORGANISER.value)
        .order_by(Organisation.name_zh)
    )
    return list(session().scalars(stmt))


def may_organise(user: User, event: Event) -> bool:
    """Whether ``user`` may edit ``event`` and calculate its footprint: a member of its
    organisation with the buyer role."""
    return any(org.id == event.organisation_id for org in organiser_organisations(user))


def latest_footprint(event_id: int) -> EventFootprint | None:
    stmt = (
        select(EventFootprint)
        .where(EventFootprint.event_id == event_id)
        .order_by(EventFootprint.version.desc())
        .limit(1)
    )
    return session().scalars(stmt).first()


def get_footprint(event_id: int, version: int) -> EventFootprint | None:
    stmt = select(EventFootprint).where(
        EventFootprint.event_id == event_id, EventFootprint.version == version
    )
    return session().scalars(stmt).first()


def list_footprints(event_id: int) -> list[EventFootprint]:
    stmt = select(EventFootprint).where(EventFootprint.event_id == event_id)
    return list(session().scalars(stmt.order_by(EventFootprint.version.desc())))


def retired_tonnes(event_id: int) -> int:
    """Whole tonnes retired (注销) for the event: registry retirements with purpose ``event``
    naming it."""
    stmt = select(func.coalesce(func.sum(Retirement.tonnes), 0)).where(
        Retirement.purpose == RetirementPurpose.EVENT.value, Retirement.event_id == event_id
    )
    return int(session().scalar(stmt) or 0)


def latest_tonnes(event_ids: list[int]) -> dict[int, int]:
    """Tonnes of each event's latest footprint, by event id (events without one are absent)."""
    latest = (
        select(EventFootprint.event_id, func.max(EventFootprint.version).label("version"))
        .where(EventFootprint.event_id.in_(event_ids))
        .group_by(EventFootprint.event_id)
        .subquery()
    )
    stmt = select(EventFootprint.event_id, EventFootprint.tonnes).join(
        latest,
        (latest.c.event_id == EventFootprint.event_id)
        & (latest.c.version == EventFootprint.version),
    )
    return {row[0]: int(row[1]) for row in session().execute(stmt)}


def is_neutral(event: Event) -> bool:
    """碳中和: the event has a footprint (at least one tonne: an empty one is refused) and the
    tonnes retired for it reach the latest footprint's tonnes."""
    footprint = latest_footprint(event.id)
    return footprint is not None and retired_tonnes(event.id) >= footprint.tonnes


def neutral_event_ids(event_ids: Iterable[int]) -> set[int]:
    """Which of ``event_ids`` are 碳中和 now (for the public list)."""
    ids = list(event_ids)
    if not ids:
        return set()
    required = latest_tonnes(ids)
    retired = retired_tonnes_by_event(ids)
    return {e for e, tonnes in required.items() if retired.get(e, 0) >= tonnes}


def _published_offers() -> Select[Offer, OfferRevision]:
    return (
        select(Offer, OfferRevision)
        .join(OfferRevision, OfferRevision.id == Offer.current_revision_id)
        .where(Offer.status == OfferStatus.PUBLISHED.value)
    )


def linked_offers(event_id: int) -> list[tuple[Offer, OfferRevision]]:
    """The published offers the event links (a paused or withdrawn one drops off the page)."""
    stmt = (
        _published_offers()
        .join(EventOffer, EventOffer.offer_id == Offer.id)
        .where(EventOffer.event_id == event_id)
        .order_by(EventOffer.id)
    )
    return [(row[0], row[1]) for row in session().execute(stmt)]


def linkable_offers(event_id: int) -> list[tuple[Offer, OfferRevision]]:
    """Published offers the event does not link yet, the newest first."""
    linked = select(EventOffer.offer_id).where(EventOffer.event_id == event_id)
    stmt = _published_offers().where(Offer.id.not_in(linked)).order_by(Offer.id.desc())
    return [(row[0], row[1]) for row in session().execute(stmt.limit(100))]


def get_offer_link(event_id: int, offer_id: int) -> EventOffer | None:
    stmt = select(EventOffer).where(
        EventOffer.event_id == event_id, EventOffer.offer_id == offer_id
    )
    return session().scalars(stmt).first()


def get_published_offer(offer_id: int) -> Offer | None:
    offer = session().get(Offer, offer_id)
    return offer if offer is not None and offer.status == OfferStatus.PUBLISHED.value else None


def retired_tonnes_by_event(event_ids: Iterable[int]) -> dict[int, int]:
    """Σ tonnes retired for each of ``event_ids`` (absent: none)."""
    ids = list(event_ids)
    if not ids:
        return {}
    stmt = (
        select(Retirement.event_id, func.sum(Retirement.tonnes))
        .where(Retirement.purpose == RetirementPurpose.EVENT.value, Retirement.event_id.in_(ids))
        .group_by(Retirement.event_id)
    )
    return {row[0]: int(row[1]) for row in session().execute(stmt) if row[0] is not None}


# The retire form lists at most this many events or cases (the newest).
CHOICES_LIMIT = 100


def events_needing_tonnes(organisation_id: int) -> list[tuple[Event, int]]:
    """The organisation's events that have a footprint and are not 碳中和 yet, newest first,
    each with the tonnes still needed to cover its latest footprint."""
    stmt = (
        select(Event)
        .where(Event.organisation_id == organisation_id, Event.neutral_at.is_(None))
        .order_by(Event.id.desc())
        .limit(CHOICES_LIMIT)
    )
    events = list(session().scalars(stmt))
    required = latest_tonnes([e.id for e in events])
    retired = retired_tonnes_by_event(required)
    needed = [(e, required[e.id] - retired.get(e.id, 0)) for e in events if e.id in required]
    return [(event, tonnes) for event, tonnes in needed if tonnes > 0]
