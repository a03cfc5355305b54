"""Events: an organiser (a buyer member of an event-organiser organisation), an event recorded
through the service, and tonnes retired for an event written directly (the retire command is
another domain's), its blocks moved by ``portal.market.holdings``."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from portal.accounts.models import MemberRole, Organisation, OrgKind, User
from portal.db import session
from portal.market import holdings
from portal.market.events.models import Event
from portal.market.events.services import EventFields, create_event
from portal.market.models import BlockState, Retirement, RetirementPurpose
from tests.factories.accounts import make_membership, make_org, make_user


def make_organiser(**org_fields: Any) -> tuple[User, Organisation]:
    org = make_org(kind=OrgKind.EVENT_ORGANISER, **org_fields)
    user = make_user()
    make_membership(user, org, MemberRole.MANAGER)
    return user, org


def event_fields(**fields: Any) -> EventFields:
    values: dict[str, Any] = {
        "kind": "sports",
        "title_zh": "长春马拉松",
        "title_en": "Changchun Marathon",
        "starts_on": date(2026, 5, 17),
        "ends_on": date(2026, 5, 17),
        "venue_zh": "长春市南岭体育场",
        "venue_en": "Nanling Stadium, Changchun",
        "city_code": "220100",
        "attendees": 30_000,
    }
    values.update(fields)
    return EventFields(**values)


def make_event(organiser: User, org: Organisation, **fields: Any) -> Event:
    return create_event(actor=organiser, organisation_id=org.id, fields=event_fields(**fields))


def retire_for_event(org: Organisation, user: User, event_id: int, tonnes: int) -> Retirement:
    """``tonnes`` of the platform's available serials retired by ``org`` for the event (an
    issued batch must exist: ``make_issued_batch``)."""
    retirement = Retirement(
        code=secrets.token_urlsafe(16),
        holder_org_id=org.id,
        retired_by_id=user.id,
        tonnes=tonnes,
        purpose=RetirementPurpose.EVENT.value,
        event_id=event_id,
        beneficiary_zh=org.name_zh,
        beneficiary_en=org.name_en,
        idempotency_key=secrets.token_hex(16),
    )
    session().add(retirement)
    session().flush()
    holdings.move(
        holdings.Source(BlockState.AVAILABLE),
        tonnes,
        holdings.Destination(BlockState.RETIRED, holder_org_id=org.id, retirement_id=retirement.id),
    )
    session().commit()
    return retirement
