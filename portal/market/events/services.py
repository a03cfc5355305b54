"""Event commands, one transaction each: an organiser records and edits an event, calculates
its footprint and links mall offers (all audited); the platform marks an event 碳中和 once the
tonnes retired for it cover its latest footprint, issuing the neutrality certificate once.

Who may: a member with the buyer role of an organisation of kind ``event_organiser`` (the
event's own organisation for everything after its creation); NotAllowed otherwise. An event
that is 碳中和 is final: it is no longer edited nor recalculated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.accounts.audit import record_audit
from portal.accounts.models import Organisation, User
from portal.accounts.regions import CITY_BY_CODE
from portal.certificates.models import Certificate, CertificateKind
from portal.certificates.services import CertificateText, issue_certificate
from portal.clock import utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.market.events import footprint, queries
from portal.market.events.models import MAX_ATTENDEES, Event, EventFootprint, EventKind, EventOffer
from portal.merchants.rules import plain_text, whole_number

# Why the retirement seam refuses an event (codes; the retire form translates them).
EVENT_NOT_FOUND = "event_not_found"
EVENT_NOT_YOURS = "event_not_yours"
EVENT_NO_FOOTPRINT = "event_no_footprint"
RETIREMENT_REFUSALS = {
    EVENT_NOT_FOUND: _l("There is no such event."),
    EVENT_NOT_YOURS: _l("Only the event's organiser may retire tonnes for it."),
    EVENT_NO_FOOTPRINT: _l("Calculate the event's footprint before retiring tonnes for it."),
}


@dataclass(frozen=True)
class EventFields:
    """What an organiser writes about an event."""

    kind: str
    title_zh: str
    title_en: str
    starts_on: date
    ends_on: date
    venue_zh: str
    venue_en: str
    city_code: str
    attendees: int


def _apply(event: Event, fields: EventFields) -> None:
    """Check every value (InvalidInput names the field) and write it onto ``event``."""
    if fields.kind not in set(EventKind):
        raise InvalidInput(_l("Choose the kind of event."), field="kind")
    if fields.city_code not in CITY_BY_CODE:
        raise InvalidInput(_l("Choose a city of Jilin."), field="city_code")
    if fields.ends_on < fields.starts_on:
        raise InvalidInput(_l("The event must end on or after its first day."), field="ends_on")
    event.kind = fields.kind
    event.title_zh = plain_text(fields.title_zh, "title_zh", 80)
    event.title_en = plain_text(fields.title_en, "title_en", 120)
    event.venue_zh = plain_text(fields.venue_zh, "venue_zh", 80)
    event.venue_en = plain_text(fields.venue_en, "venue_en", 120)
    event.starts_on, event.ends_on = fields.starts_on, fields.ends_on
    event.city_code = fields.city_code
    event.attendees = whole_number(fields.attendees, "attendees", 1, MAX_ATTENDEES)


def _organiser_of(actor: User, organisation_id: int) -> None:
    if not any(org.id == organisation_id for org in queries.organiser_organisations(actor)):
        raise NotAllowed(_l("Only the event's organiser may do that."))


def _organised_event(actor: User, event_id: int) -> Event:
    """The event, locked, if ``actor`` organises it."""
    event = queries.get_event(event_id, for_update=True)
    if event is None:
        raise NotFound(_l("There is no such event."))
    _organiser_of(actor, event.organisation_id)
    return event


def _open_event(actor: User, event_id: int) -> Event:
    """The event, locked, if ``actor`` organises it and it is not 碳中和 yet."""
    event = _organised_event(actor, event_id)
    if event.neutral_at is not None or queries.is_neutral(event):
        raise Conflict(_l("This event is carbon neutral: it can no longer be changed."))
    return event


def create_event(
    *, actor: User, organisation_id: int, fields: EventFields, ip: str | None = None
) -> Event:
    """Record an event for ``organisation_id`` (an event organiser ``actor`` acts for)."""
    _organiser_of(actor, organisation_id)
    with transaction() as db:
        event = Event(organisation_id=organisation_id, created_by_id=actor.id)
        _apply(event, fields)
        db.add(event)
        db.flush()
        _audit("event.created", actor, event, ip)
    return event


def update_event(
    *, actor: User, event_id: int, fields: EventFields, ip: str | None = None
) -> Event:
    """Edit an event that is not 碳中和 yet. Its footprints keep the attendees they were
    checked against; a smaller event may need its footprint recalculated."""
    with transaction():
        event = _open_event(actor, event_id)
        _apply(event, fields)
        event.updated_at = utcnow()
        session().flush()
        _audit("event.edited", actor, event, ip)
    return event


def calculate_footprint(
    *, actor: User, event_id: int, inputs: dict[str, Any], ip: str | None = None
) -> EventFootprint:
    """Validate ``inputs`` against the event's size, compute the footprint with the shipped
    factors and store it as the event's next version, with its inputs and factor snapshot. A
    footprint of nothing is refused, so every stored footprint needs at least one tonne."""
    with transaction() as db:
        event = _open_event(actor, event_id)
        quantities = footprint.validate_inputs(inputs, event.attendees)
        factors = footprint.load_factors()
        result = footprint.compute(quantities, factors)
        if result.total_grams == 0:  # nothing to offset: it would be "neutral" for free
            raise InvalidInput(_l("Enter at least one amount the event used."))
        previous = queries.latest_footprint(event.id)
        row = EventFootprint(
            event_id=event.id,
            version=1 if previous is None else previous.version + 1,
            attendees=event.attendees,
            inputs={key: format(value, "f") for key, value in quantities.items()},
            factors={key: factor.snapshot() for key, factor in factors.items()},
            lines={line.key: line.grams for line in result.lines},
            total_grams=result.total_grams,
            tonnes=result.tonnes,
            created_by_id=actor.id,
        )
        raced = Conflict(_l("Someone else saved a footprint just now; try again."))
        with unless_taken(raced), db.begin_nested():
            db.add(row)
        record_audit(
            "event.footprint",
            actor_id=actor.id,
            subject_type="event",
            subject_id=event.id,
            ip=ip,
            details={"version": row.version, "grams": row.total_grams, "tonnes": row.tonnes},
        )
    return row


def link_offer(*, actor: User, event_id: int, offer_id: int, ip: str | None = None) -> EventOffer:
    """Link a published mall offer to the event (linking it twice is refused); also once
    the event is 碳中和, since offers are no part of its footprint."""
    with transaction() as db:
        event = _organised_event(actor, event_id)
        if queries.get_published_offer(offer_id) is None:
            raise InvalidInput(_l("Choose a published offer of the points mall."), field="offer_id")
        link = EventOffer(event_id=event.id, offer_id=offer_id, created_by_id=actor.id)
        with unless_taken(Conflict(_l("The event already links this offer."))), db.begin_nested():
            db.add(link)
        _audit("event.offer_linked", actor, event, ip, offer_id=offer_id)
    return link


def unlink_offer(*, actor: User, event_id: int, offer_id: int, ip: str | None = None) -> None:
    with transaction() as db:
        event = _organised_event(actor, event_id)
        link = queries.get_offer_link(event.id, offer_id)
        if link is None:
            raise NotFound(_l("The event does not link this offer."))
        db.delete(link)
        db.flush()
        _audit("event.offer_unlinked", actor, event, ip, offer_id=offer_id)


def _audit(action: str, actor: User, event: Event, ip: str | None, **details: Any) -> None:
    record_audit(
        action,
        actor_id=actor.id,
        subject_type="event",
        subject_id=event.id,
        ip=ip,
        details={"attendees": event.attendees, **details},
    )


def mark_neutral_if_covered(event_id: int) -> Certificate | None:
    """If the tonnes retired for the event reach its latest footprint's tonnes, record
    ``neutral_at`` and issue the neutrality certificate to the organiser who recorded it;
    return the certificate (the same one on every later call), or None while not covered.
    Called by the retire command after a retirement for the event (and safe to rerun)."""
    with transaction():
        event = queries.get_event(event_id, for_update=True)
        if event is None:
            raise NotFound(_l("There is no such event."))
        if event.certificate_id is not None:
            return session().get(Certificate, event.certificate_id)
        latest = queries.latest_footprint(event.id)
        retired = queries.retired_tonnes(event.id)
        if latest is None or retired < latest.tonnes:
            return None
        holder = session().get(User, event.created_by_id)
        organisation = session().get(Organisation, event.organisation_id)
        assert holder is not None and organisation is not None
        cert = issue_certificate(
            CertificateKind.EVENT_NEUTRALITY,
            holder,
            _certificate_text(event, latest, retired),
            achievement_key=f"event-neutrality:{event.id}",
            idempotency_key=f"event-neutrality:{event.id}",
            details={
                "event_id": event.id,
                "version": latest.version,
                "tonnes": retired,
                "organisation_zh": organisation.name_zh,
                "organisation_en": organisation.name_en,
            },
        )
        event.neutral_at = utcnow()
        event.certificate_id = cert.id
        session().flush()
        record_audit(
            "event.neutral",
            actor_id=None,
            subject_type="event",
            subject_id=event.id,
            details={"tonnes": latest.tonnes, "retired": retired, "certificate": cert.code},
        )
        return cert


def _certificate_text(event: Event, latest: EventFootprint, retired: int) -> CertificateText:
    return CertificateText(
        title_zh=f"大型活动碳中和证书：{event.title_zh}",
        title_en=f"Event carbon neutrality certificate: {event.title_en}",
        description_zh=(
            f"活动“{event.title_zh}”（{event.starts_on.isoformat()} 至 "
            f"{event.ends_on.isoformat()}）核算碳排放 {latest.tonnes} 吨二氧化碳当量，"
            f"已注销 {retired} 吨碳普惠减排量，实现碳中和。"
        ),
        description_en=(
            f"The event {event.title_en} ({event.starts_on.isoformat()} to "
            f"{event.ends_on.isoformat()}) has a footprint of {latest.tonnes} t CO₂e and "
            f"retired {retired} t of carbon-inclusion reductions for it: it is carbon neutral."
        ),
    )


def check_event_retirement(actor: User, holder_org_id: int, event_id: int | None) -> str | None:
    """Why a retirement by ``holder_org_id`` for ``event_id`` must be refused (a code), or
    None: the event must exist, belong to that organisation (which ``actor`` organises
    events for) and have a footprint to offset. For the retire command's checks."""
    event = queries.get_event(event_id) if event_id is not None else None
    if event is None:
        return EVENT_NOT_FOUND
    if event.organisation_id != holder_org_id or not queries.may_organise(actor, event):
        return EVENT_NOT_YOURS
    if queries.latest_footprint(event.id) is None:
        return EVENT_NO_FOOTPRINT
    return None
