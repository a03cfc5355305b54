"""Activities: partners and their links, behaviour records (one saved, or the values of many for
one bulk insert), and the cycling trips the intake services take."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import insert

from portal.accounts.models import User
from portal.activities.models import AccountLink, BehaviorRecord, Channel, Partner, RecordStatus
from portal.activities.services import RecordInput
from portal.db import session
from portal.methodology.services import seed_filed_methodologies
from tests.factories.accounts import make_user
from tests.factories.base import next_number, save
from tests.factories.methodology import methodology_id

CYCLING = "JLCH-TR-003"
# The intake tests' clock, 14:00 in Shanghai: no night-hour flag unless a test asks for one.
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def make_partner(codes: list[str], **fields: Any) -> Partner:
    n = next_number()
    values: dict[str, Any] = {
        "public_id": f"ptn_{n:08d}",
        "name": f"测试合作平台{n}",
        "signing_secret": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "methodology_codes": codes,
    }
    values.update(fields)
    return save(Partner(**values))


def link(partner: Partner, user: User, ref: str | None = None) -> AccountLink:
    return save(
        AccountLink(partner_id=partner.id, user_id=user.id, partner_user_ref=ref or f"u{user.id}")
    )


def record_row(
    user_id: int,
    methodology_id: int,
    occurred_at: datetime,
    quantity_milli: int = 3000,
    *,
    unit: str = "km",
    channel: Channel = Channel.PARTNER_API,
    status: RecordStatus = RecordStatus.PENDING,
    flags: Iterable[str] = (),
    minutes: int | None = None,
) -> dict[str, Any]:
    """The columns of one behaviour record (a 3 km partner ride waiting for the quantify job
    unless told otherwise), for ``insert(BehaviorRecord)`` of many rows at once or for
    ``make_record``; a trip of ``minutes`` ends that long after it began."""
    return {
        "user_id": user_id,
        "methodology_id": methodology_id,
        "channel": channel.value,
        "quantity_milli": quantity_milli,
        "unit": unit,
        "parameters": {},
        "flags": list(flags),
        "occurred_at": occurred_at,
        "ended_at": None if minutes is None else occurred_at + timedelta(minutes=minutes),
        "status": status.value,
    }


def make_record(
    user: User, methodology: Any, occurred_at: datetime, quantity_milli: int, **fields: Any
) -> BehaviorRecord:
    """One saved behaviour record, written directly (no intake checks): see ``record_row``."""
    return save(
        BehaviorRecord(**record_row(user.id, methodology.id, occurred_at, quantity_milli, **fields))
    )


def add_pending_rides(app: Flask, users: int, rides: int, day: datetime) -> list[int]:
    """For tests whose workers commit, in a database of their own: seed the methodologies and
    ``users`` citizens with ``rides`` pending 3 km partner rides each, ten minutes apart from
    ``day``; commit and return the citizens' ids."""
    with app.app_context():
        seed_filed_methodologies()
        cycling = methodology_id(CYCLING)
        ids = [make_user().id for _ in range(users)]
        session().execute(
            insert(BehaviorRecord),
            [
                record_row(user_id, cycling, day + timedelta(minutes=10 * ride))
                for user_id in ids
                for ride in range(rides)
            ],
        )
        session().commit()
        return ids


def ride(**changes: Any) -> RecordInput:
    """A 5.2 km, 25-minute bicycle trip that began three hours before ``NOW``, as the intake
    services take it; keyword arguments change any field."""
    start = NOW - timedelta(hours=3)
    values: dict[str, Any] = {
        "methodology_code": CYCLING,
        "quantity": Decimal("5.2"),
        "unit": "km",
        "occurred_at": start,
        "ended_at": start + timedelta(minutes=25),
    }
    values.update(changes)
    return RecordInput(**values)


def partner_ride(mine: BehaviorRecord, external_id: str, ref: str, km: str = "5.1") -> RecordInput:
    """The partner's record of the trip ``mine`` describes, with its own distance."""
    return ride(
        quantity=Decimal(km),
        occurred_at=mine.occurred_at,
        ended_at=mine.ended_at,
        external_id=external_id,
        user_ref=ref,
    )
