"""One trip counts once whatever the channel, id or missing field: every trip has an interval,
its end reported or implied by its distance at the scenario's plausible top speed."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from portal.activities.intake import partner_records, self_reports
from portal.activities.intake.records import Outcome, RecordInput
from portal.activities.intake.same_act import FALLBACK_TOP_SPEED_KMH, MIN_TRIP, trip_interval
from portal.activities.models import BehaviorRecord, Channel, RecordStatus, Reduction
from portal.activities.quantify import quantify_pending
from tests import factories

METRO, CYCLING = "JLCH-TR-008", "JLCH-TR-003"
NOW = factories.NOW  # 2026-11-20 14:00 in Shanghai
CST = timezone(timedelta(hours=8))
EIGHT = datetime(2026, 11, 20, 8, 0, tzinfo=CST)


def metro(external_id: str, ref: str, at: datetime = EIGHT, **changes: Any) -> RecordInput:
    """A 3 km metro ride without an end time, as a partner sends it."""
    values: dict[str, Any] = {
        "methodology_code": METRO,
        "quantity": Decimal(3),
        "unit": "km",
        "occurred_at": at,
        "external_id": external_id,
        "user_ref": ref,
    }
    values.update(changes)
    return RecordInput(**values)


def send(partner: Any, *items: RecordInput) -> list[Outcome]:
    return partner_records.submit_partner_records(
        partner_id=partner.id, items=list(items), channel=Channel.PARTNER_API, now=NOW
    )


def two_partners() -> tuple[Any, Any, Any]:
    """A citizen linked to two metro partners, as ``ref-a`` and ``ref-c``."""
    user = factories.make_user()
    a, c = factories.make_partner([METRO]), factories.make_partner([METRO])
    factories.link(a, user, "ref-a")
    factories.link(c, user, "ref-c")
    return user, a, c


def test_one_ride_sent_three_times_without_an_end_counts_once(db: Any, methodologies: Any) -> None:
    user, a, c = two_partners()
    first = send(a, metro("ab-1", "ref-a"))[0]
    again = send(a, metro("ab-alt", "ref-a"))[0]  # the same ride under another id
    other = send(c, metro("ab-1", "ref-c"))[0]  # and from the other partner, its own id
    assert first.status == "accepted" and first.flags == []
    assert again.flags == ["overlapping_trip"] and other.flags == ["overlapping_trip"]
    later = send(a, metro("ab-2", "ref-a", at=EIGHT + timedelta(hours=2)))[0]
    assert later.flags == []
    quantify_pending(points_per_kg=1000)
    credited = dict(
        db.session.execute(
            select(Reduction.record_id, Reduction.net_grams)
            .join(BehaviorRecord, BehaviorRecord.id == Reduction.record_id)
            .where(BehaviorRecord.user_id == user.id)
        ).all()
    )
    # The copies wait for an official and take none of the day's four ride slots: the real
    # 10:00 ride is credited in full, like the 08:00 one.
    assert set(credited) == {first.record_id, later.record_id}
    assert credited[later.record_id] == credited[first.record_id] > 0
    flagged = db.session.get(BehaviorRecord, again.record_id)
    assert flagged.status == RecordStatus.FLAGGED


def test_copies_in_one_call_and_starts_inside_a_known_trip(db: Any, methodologies: Any) -> None:
    _user, a, _c = two_partners()
    outcomes = send(
        a,
        metro("t-1", "ref-a", ended_at=EIGHT + timedelta(minutes=30)),
        metro("t-2", "ref-a", at=EIGHT + timedelta(minutes=10)),  # starts inside t-1
        metro("t-3", "ref-a", at=EIGHT + timedelta(hours=3)),
        metro("t-4", "ref-a", at=EIGHT + timedelta(hours=3)),  # the same start, no end
    )
    assert [o.flags for o in outcomes] == [[], ["overlapping_trip"], [], ["overlapping_trip"]]
    # In a later call too, and at the start of a known trip.
    assert send(a, metro("t-5", "ref-a"))[0].flags == ["overlapping_trip"]


def test_distinct_rides_close_together_are_not_flagged(db: Any, methodologies: Any) -> None:
    _user, a, _c = two_partners()
    # 3 km take at least 90 s at 120 km/h: a ride starting two minutes later is another ride.
    outcomes = send(
        a, metro("r-1", "ref-a"), metro("r-2", "ref-a", at=EIGHT + timedelta(minutes=2))
    )
    assert [o.flags for o in outcomes] == [[], []]


def test_a_self_report_without_an_end_meets_the_partners_ride(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    user = factories.make_user()
    partner = factories.make_partner([CYCLING])
    factories.link(partner, user, "rider-1")
    start = NOW - timedelta(hours=3)
    mine = self_reports.log_behavior(
        user_id=user.id,
        item=factories.ride(ended_at=None, occurred_at=start),
        photo=_photo(),
        upload_dir=tmp_path,
        now=NOW,
    )
    # The same distance hours later the same day is another ride, not this one reported again.
    evening = send(
        partner,
        factories.ride(
            occurred_at=start + timedelta(hours=2),
            ended_at=start + timedelta(hours=2, minutes=25),
            external_id="b-0",
            user_ref="rider-1",
        ),
    )[0]
    assert evening.status == "accepted" and evening.flags == []
    db.session.refresh(mine)
    assert mine.status == RecordStatus.PENDING
    # 5.2 km at 25 km/h take 12.5 minutes: the partner's ride starting 5 minutes in is this one.
    outcome = send(
        partner,
        factories.ride(
            occurred_at=start + timedelta(minutes=5),
            ended_at=start + timedelta(minutes=30),
            external_id="b-1",
            user_ref="rider-1",
        ),
    )[0]
    assert outcome.status == "accepted" and outcome.flags == []
    db.session.refresh(mine)
    assert mine.status == RecordStatus.SUPERSEDED


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (91, 17, 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_trip_interval() -> None:
    # Reported ends are kept.
    assert trip_interval(EIGHT, EIGHT + timedelta(hours=1), Decimal(3), "km", None) == (
        EIGHT,
        EIGHT + timedelta(hours=1),
    )
    # Without an end: the distance at the scenario's top speed, else at the fallback speed.
    assert trip_interval(EIGHT, None, Decimal(5), "km", Decimal(25)) == (
        EIGHT,
        EIGHT + timedelta(minutes=12),
    )
    assert trip_interval(EIGHT, None, Decimal(3), "km", None) == (
        EIGHT,
        EIGHT + timedelta(hours=float(3 / FALLBACK_TOP_SPEED_KMH)),
    )
    # 8,000 steps of 0.7 m at 8 km/h: 42 minutes.
    assert trip_interval(EIGHT, None, Decimal(8000), "steps", Decimal(8)) == (
        EIGHT,
        EIGHT + timedelta(minutes=42),
    )
    assert trip_interval(EIGHT, None, Decimal("0.001"), "m", None) == (EIGHT, EIGHT + MIN_TRIP)
    # A toll passage is not a distance: no interval unless it gives an end.
    assert trip_interval(EIGHT, None, Decimal(1), "passage", None) is None
