"""Behaviour intake: every bad input gets a named problem and writes nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.activities import services
from portal.activities.models import BehaviorRecord, Channel, RecordStatus
from portal.activities.rules import RecordRefused
from portal.activities.services import RecordInput
from portal.errors import Conflict, InvalidInput, NotAllowed
from tests import factories

CYCLING, METRO, PLATE, CLOTHES = "JLCH-TR-003", "JLCH-TR-008", "JLCH-FD-001", "JLCH-CL-001"
# 14:00 in Shanghai: no night-hour flag unless a test asks for one.
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


_shade = iter(range(1, 10_000))


def png(shade: int | None = None) -> bytes:
    """A tiny PNG; each call without ``shade`` gives different bytes (no duplicate-photo flag)."""
    value = next(_shade) if shade is None else shade
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (value % 256, value // 256 % 256, 7)).save(buffer, "PNG")
    return buffer.getvalue()


def records(db: Any) -> int:
    return db.session.scalar(select(func.count(BehaviorRecord.id)))


def ride(**changes: Any) -> RecordInput:
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


def log(user: Any, item: RecordInput, tmp_path: Path, photo: bytes | None = None) -> BehaviorRecord:
    """Self-report; cycling needs evidence (a picture of the tracked trip), so one is attached."""
    if photo is None and item.methodology_code == CYCLING:
        photo = png()
    return services.log_behavior(
        user_id=user.id, item=item, photo=photo, upload_dir=tmp_path, now=NOW
    )


def test_self_report_is_pending(db: Any, methodologies: Any, tmp_path: Path) -> None:
    record = log(factories.make_user(), ride(), tmp_path)
    assert record.flags == [] and record.status == RecordStatus.PENDING
    assert record.quantity_milli == 5200
    assert record.channel == Channel.SELF_REPORT


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quantity": Decimal(0)}, "quantity", "greater than zero"),
        ({"quantity": Decimal(-3)}, "quantity", "greater than zero"),
        ({"quantity": None}, "quantity", "must be a number"),
        ({"quantity": Decimal("1e7")}, "quantity", "far beyond"),
        ({"quantity": Decimal("1.23456")}, "quantity", "three decimal places"),
        ({"unit": "kg"}, "unit", "measured in km"),
        ({"unit": "parsecs"}, "unit", "Unknown unit"),
        ({"occurred_at": NOW + timedelta(hours=2), "ended_at": None}, "occurred_at", "future"),
        (
            {"occurred_at": NOW - timedelta(days=31), "ended_at": None},
            "occurred_at",
            "older than 30 days",
        ),
        ({"methodology_code": "JLCH-XX-999"}, "methodology", "Unknown behaviour scenario"),
        (
            {"methodology_code": CLOTHES, "unit": "kg"},
            "methodology",
            "only be reported by a partner",
        ),
        ({"ended_at": NOW - timedelta(hours=4)}, "ended_at", "after the start"),
        ({"occurred_at": datetime(2026, 11, 20, 8, 0)}, "occurred_at", "time zone"),
    ],
)
def test_bad_self_reports_are_refused(
    db: Any, methodologies: Any, tmp_path: Path, change: dict, field: str, message: str
) -> None:
    with pytest.raises(RecordRefused) as refused:
        log(factories.make_user(), ride(**change), tmp_path)
    assert [p.field for p in refused.value.problems] == [field]
    assert message in str(refused.value.problems[0].message)
    assert records(db) == 0


def test_photo_rules(db: Any, methodologies: Any, tmp_path: Path) -> None:
    user = factories.make_user()
    meal = RecordInput(PLATE, Decimal(1), "meal", NOW - timedelta(hours=1))
    with pytest.raises(RecordRefused, match="needs a photo"):
        log(user, meal, tmp_path)
    with pytest.raises(RecordRefused, match="not a JPEG, PNG or WebP"):
        log(user, meal, tmp_path, photo=b"this is text renamed to photo.jpg")
    big = b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024)
    with pytest.raises(RecordRefused, match="larger than 5 MB"):
        log(user, meal, tmp_path, photo=big)
    assert records(db) == 0
    first = log(user, meal, tmp_path, photo=png(0))
    assert first.status == RecordStatus.PENDING and first.evidence is not None
    stored = list(tmp_path.rglob("*.png"))
    assert len(stored) == 1 and stored[0].name.startswith(first.evidence.sha256)
    again = log(
        user,
        RecordInput(PLATE, Decimal(1), "meal", NOW - timedelta(minutes=30)),
        tmp_path,
        photo=png(0),
    )
    assert again.status == RecordStatus.FLAGGED and again.flags == ["duplicate_evidence"]


def test_plausibility_and_overlap_flags(db: Any, methodologies: Any, tmp_path: Path) -> None:
    user = factories.make_user()
    start = NOW - timedelta(hours=5)
    # Cycling: at most 100 km per record and 25 km/h on average are plausible.
    fast = log(
        user,
        ride(quantity=Decimal(40), occurred_at=start, ended_at=start + timedelta(minutes=30)),
        tmp_path,
    )
    assert fast.flags == ["speed_implausible"]
    far = log(
        user,
        ride(
            quantity=Decimal(120),
            occurred_at=start - timedelta(hours=10),
            ended_at=start - timedelta(hours=2),
        ),
        tmp_path,
    )
    assert far.flags == ["quantity_above_plausible"]
    overlapping = log(
        user,
        ride(occurred_at=start + timedelta(minutes=10), ended_at=start + timedelta(minutes=50)),
        tmp_path,
    )
    assert overlapping.status == RecordStatus.FLAGGED and "overlapping_trip" in overlapping.flags


def test_partner_batch_outcomes(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    partner = factories.make_partner([METRO])
    factories.link(partner, user, "card-1")
    now = NOW
    trip = {
        "methodology_code": METRO,
        "quantity": Decimal("12.5"),
        "unit": "km",
        "user_ref": "card-1",
        "occurred_at": now - timedelta(hours=2),
        "ended_at": now - timedelta(hours=1, minutes=30),
    }
    batch = [
        RecordInput(**trip, external_id="t1"),
        RecordInput(**trip, external_id="t1"),  # the same record twice in one call
        RecordInput(**{**trip, "user_ref": "nobody"}, external_id="t2"),
        RecordInput(**{**trip, "methodology_code": CYCLING}, external_id="t3"),
        RecordInput(**{**trip, "quantity": Decimal(-1)}, external_id="t4"),
        RecordInput(**trip, external_id=None),
    ]
    outcomes = services.submit_partner_records(
        partner_id=partner.id, items=batch, channel=Channel.PARTNER_API, now=NOW
    )
    assert [o.status for o in outcomes] == [
        "accepted",
        "duplicate",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert outcomes[1].record_id == outcomes[0].record_id
    assert [p.field for p in outcomes[2].problems] == ["user_ref"]
    assert "not authorised" in str(outcomes[3].problems[0].message)
    assert [p.field for p in outcomes[4].problems] == ["quantity"]
    assert [p.field for p in outcomes[5].problems] == ["external_id"]
    assert records(db) == 1
    replay = services.submit_partner_records(
        partner_id=partner.id, items=batch[:1], channel=Channel.PARTNER_API, now=NOW
    )
    assert replay[0].status == "duplicate" and replay[0].record_id == outcomes[0].record_id
    assert records(db) == 1


def test_more_than_1000_records_are_refused(db: Any, methodologies: Any) -> None:
    partner = factories.make_partner([METRO])
    item = RecordInput(METRO, Decimal(1), "km", NOW, external_id="x")
    with pytest.raises(InvalidInput, match="At most 1,000"):
        services.submit_partner_records(
            partner_id=partner.id, items=[item] * 1001, channel=Channel.PARTNER_API, now=NOW
        )


def test_partner_record_supersedes_the_self_report(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    user = factories.make_user()
    partner = factories.make_partner([CYCLING])
    factories.link(partner, user, "rider-9")
    mine = log(user, ride(), tmp_path)
    outcome = services.submit_partner_records(
        partner_id=partner.id,
        items=[
            RecordInput(
                CYCLING,
                Decimal("5.1"),
                "km",
                mine.occurred_at,
                mine.ended_at,
                external_id="b-1",
                user_ref="rider-9",
            )
        ],
        channel=Channel.PARTNER_API,
        now=NOW,
    )[0]
    assert outcome.status == "accepted"
    db.session.refresh(mine)
    assert mine.status == RecordStatus.SUPERSEDED and mine.superseded_by_id == outcome.record_id
    # And a self-report of an act the partner already sent is refused.
    with pytest.raises(RecordRefused, match="already reported"):
        log(user, ride(occurred_at=mine.occurred_at, ended_at=mine.ended_at), tmp_path)


def test_link_codes(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    partner = factories.make_partner([METRO])
    code = services.create_link_code(user.id, now=NOW)
    link = services.link_account(
        partner_id=partner.id, code=code.code.lower(), partner_user_ref="card-77", now=NOW
    )
    assert link.user_id == user.id
    with pytest.raises(InvalidInput, match="unknown, used or expired"):
        services.link_account(
            partner_id=partner.id, code=code.code, partner_user_ref="card-78", now=NOW
        )
    old = services.create_link_code(user.id, now=NOW - timedelta(hours=1))
    with pytest.raises(InvalidInput):
        services.link_account(
            partner_id=partner.id, code=old.code, partner_user_ref="card-79", now=NOW
        )
    other = factories.make_user()
    with pytest.raises(Conflict):
        services.link_account(
            partner_id=partner.id,
            code=services.create_link_code(other.id, now=NOW).code,
            partner_user_ref="card-77",
            now=NOW,
        )


def test_review_and_one_appeal(db: Any, methodologies: Any, tmp_path: Path) -> None:
    citizen = factories.make_user()
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    start = NOW - timedelta(hours=5)
    record = log(
        citizen,
        ride(quantity=Decimal(40), occurred_at=start, ended_at=start + timedelta(minutes=30)),
        tmp_path,
    )
    with pytest.raises(NotAllowed):
        services.review_record(actor=citizen, record_id=record.id, approve=True)
    with pytest.raises(InvalidInput):
        services.review_record(actor=official, record_id=record.id, approve=False)
    services.review_record(
        actor=official, record_id=record.id, approve=False, reason="40 km in 30 minutes"
    )
    services.appeal_record(
        user_id=citizen.id, record_id=record.id, comment="I rode an e-bike, see the app"
    )
    assert record.status == RecordStatus.FLAGGED
    services.review_record(
        actor=official, record_id=record.id, approve=False, reason="Still implausible"
    )
    with pytest.raises(Conflict, match="only once"):
        services.appeal_record(user_id=citizen.id, record_id=record.id, comment="Please look again")
    with pytest.raises(Conflict):
        services.review_record(actor=official, record_id=record.id, approve=True)


def test_partner_record_of_an_act_already_counted_counts_once(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    from portal.activities.models import Reduction
    from portal.activities.quantify import quantify_pending

    user = factories.make_user()
    partner = factories.make_partner([CYCLING])
    factories.link(partner, user, "rider-3")
    mine = log(user, ride(), tmp_path)
    quantify_pending(points_per_kg=1000)
    outcome = services.submit_partner_records(
        partner_id=partner.id,
        items=[
            RecordInput(
                CYCLING,
                Decimal("5.2"),
                "km",
                mine.occurred_at,
                mine.ended_at,
                external_id="b-2",
                user_ref="rider-3",
            )
        ],
        channel=Channel.PARTNER_API,
        now=NOW,
    )[0]
    assert outcome.status == "duplicate" and outcome.flags == ["already_counted_self_report"]
    assert quantify_pending(points_per_kg=1000).quantified == 0
    assert db.session.scalar(select(func.count(Reduction.id))) == 1
