"""Behaviour intake: every bad input gets a named problem and writes nothing."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.activities import queries, review
from portal.activities.intake import partner_records, self_reports
from portal.activities.intake.records import Outcome, RecordInput, RecordRefused
from portal.activities.models import BehaviorRecord, CapUsage, Channel, RecordStatus, Reduction
from portal.activities.partners import links
from portal.activities.quantify import quantify_pending
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.ledger.models import LedgerTransaction
from portal.ledger.queries import get_balance
from portal.ledger.verification import verify
from tests import factories
from tests.counter_checks import assert_counters_match
from tests.factories import partner_ride, ride

CYCLING, METRO, PLATE, CLOTHES = "JLCH-TR-003", "JLCH-TR-008", "JLCH-FD-001", "JLCH-CL-001"
NOW = factories.NOW  # the ride factory's clock: 14:00 in Shanghai, no night-hour flag


_shade = iter(range(1, 10_000))


def png(shade: int | None = None) -> bytes:
    """A tiny PNG; each call without ``shade`` gives different bytes (no duplicate-photo flag)."""
    value = next(_shade) if shade is None else shade
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (value % 256, value // 256 % 256, 7)).save(buffer, "PNG")
    return buffer.getvalue()


def records(db: Any) -> int:
    return db.session.scalar(select(func.count(BehaviorRecord.id)))


def log(user: Any, item: RecordInput, tmp_path: Path, photo: bytes | None = None) -> BehaviorRecord:
    """Self-report; cycling needs evidence (a picture of the tracked trip), so one is attached."""
    if photo is None and item.methodology_code == CYCLING:
        photo = png()
    return self_reports.log_behavior(
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
    outcomes = partner_records.submit_partner_records(
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
    replay = partner_records.submit_partner_records(
        partner_id=partner.id, items=batch[:1], channel=Channel.PARTNER_API, now=NOW
    )
    assert replay[0].status == "duplicate" and replay[0].record_id == outcomes[0].record_id
    assert records(db) == 1


def test_more_than_1000_records_are_refused(db: Any, methodologies: Any) -> None:
    partner = factories.make_partner([METRO])
    item = RecordInput(METRO, Decimal(1), "km", NOW, external_id="x")
    with pytest.raises(InvalidInput, match="At most 1,000"):
        partner_records.submit_partner_records(
            partner_id=partner.id, items=[item] * 1001, channel=Channel.PARTNER_API, now=NOW
        )


def test_partner_record_supersedes_the_self_report(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    user = factories.make_user()
    partner = factories.make_partner([CYCLING])
    factories.link(partner, user, "rider-9")
    mine = log(user, ride(), tmp_path)
    outcome = partner_records.submit_partner_records(
        partner_id=partner.id,
        items=[partner_ride(mine, "b-1", "rider-9")],
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
    code = links.create_link_code(user.id, now=NOW)
    link = links.link_account(
        partner_id=partner.id, code=code.code.lower(), partner_user_ref="card-77", now=NOW
    )
    assert link.user_id == user.id
    with pytest.raises(InvalidInput, match="unknown, used or expired"):
        links.link_account(
            partner_id=partner.id, code=code.code, partner_user_ref="card-78", now=NOW
        )
    old = links.create_link_code(user.id, now=NOW - timedelta(hours=1))
    with pytest.raises(InvalidInput):
        links.link_account(
            partner_id=partner.id, code=old.code, partner_user_ref="card-79", now=NOW
        )
    other = factories.make_user()
    with pytest.raises(Conflict):
        links.link_account(
            partner_id=partner.id,
            code=links.create_link_code(other.id, now=NOW).code,
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
        review.review_record(actor=citizen, record_id=record.id, approve=True)
    with pytest.raises(InvalidInput):
        review.review_record(actor=official, record_id=record.id, approve=False)
    review.review_record(
        actor=official, record_id=record.id, approve=False, reason="40 km in 30 minutes"
    )
    review.appeal_record(
        user_id=citizen.id, record_id=record.id, comment="I rode an e-bike, see the app"
    )
    assert record.status == RecordStatus.FLAGGED
    review.review_record(
        actor=official, record_id=record.id, approve=False, reason="Still implausible"
    )
    with pytest.raises(Conflict, match="only once"):
        review.appeal_record(user_id=citizen.id, record_id=record.id, comment="Please look again")
    with pytest.raises(Conflict):
        review.review_record(actor=official, record_id=record.id, approve=True)


# -------------------------------------------- an act already credited from a self-report


def send(partner: Any, *items: RecordInput) -> list[Outcome]:
    return partner_records.submit_partner_records(
        partner_id=partner.id, items=list(items), channel=Channel.PARTNER_API, now=NOW
    )


def usage(db: Any, user: Any) -> dict[tuple[str, Any], tuple[int, int, int]]:
    rows = db.session.scalars(
        select(CapUsage)
        .where(CapUsage.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    return {(r.period, r.bucket_start): (r.grams, r.quantity_milli, r.records) for r in rows}


def reversals(db: Any) -> list[LedgerTransaction]:
    return list(
        db.session.scalars(
            select(LedgerTransaction).where(LedgerTransaction.kind == "reduction_reversal")
        )
    )


def reduction_of(db: Any, record: BehaviorRecord) -> Reduction:
    return db.session.scalars(
        select(Reduction)
        .where(Reduction.record_id == record.id)
        .execution_options(populate_existing=True)
    ).one()


def counted_self_report(db: Any, tmp_path: Path, ref: str) -> tuple[Any, Any, BehaviorRecord]:
    """A linked citizen whose 5.2 km ride (208 g, 208 points) is already quantified."""
    user = factories.make_user()
    partner = factories.make_partner([CYCLING])
    factories.link(partner, user, ref)
    mine = log(user, ride(), tmp_path)
    assert quantify_pending(points_per_kg=1000).quantified == 1
    assert get_balance(user.id) == 208
    return user, partner, mine


def test_partner_record_replaces_a_self_report_already_credited(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    user, partner, mine = counted_self_report(db, tmp_path, "rider-3")
    before = usage(db, user)
    assert before and all(v == (208, 5200, 1) for v in before.values())
    credited = reduction_of(db, mine)

    outcome = send(partner, partner_ride(mine, "b-2", "rider-3"))[0]

    assert outcome.status == "accepted" and outcome.flags == []
    db.session.refresh(mine)
    assert mine.status == RecordStatus.SUPERSEDED and mine.superseded_by_id == outcome.record_id
    reversed_ = reduction_of(db, mine)
    assert reversed_.reversed_at == NOW and reversed_.reversed_by_record_id == outcome.record_id
    assert get_balance(user.id) == 0  # exactly the self-report's 208 points taken back
    [posting] = reversals(db)
    assert posting.idempotency_key == f"reduction:reverse:{credited.id}"
    assert posting.memo == {
        "reduction_id": credited.id,
        "record_id": mine.id,
        "replaced_by_record_id": outcome.record_id,
        "grams": 208,
    }
    assert usage(db, user) == {key: (0, 0, 0) for key in before}  # the caps are given back
    theirs = db.session.get(BehaviorRecord, outcome.record_id)
    assert theirs.status == RecordStatus.PENDING
    assert verify().ok
    assert queries.get_totals(user.id) == queries.Totals(0, 0, 0)
    assert queries.list_reductions(user.id).items == []
    counters = assert_counters_match(db.session)  # the reversal took the grams back at once
    assert (counters.records, counters.grams_reduced) == (1, 0)

    # The quantify job then credits the partner's own figures: 5.1 km x 0.04 kg/km = 204 g.
    assert quantify_pending(points_per_kg=1000).quantified == 1
    assert theirs.status == RecordStatus.QUANTIFIED
    assert reduction_of(db, theirs).net_grams == 204
    assert get_balance(user.id) == 204
    assert usage(db, user) == {key: (204, 5100, 1) for key in before}
    assert queries.get_totals(user.id) == queries.Totals(204, 204, 1)
    assert [r.record_id for r, _m in queries.list_reductions(user.id).items] == [theirs.id]
    assert sum(queries.grams_by_category(user.id).values()) == 204
    assert sum(g for _d, g in queries.grams_by_day(user.id, 30, NOW.date())) == 204
    counters = assert_counters_match(db.session)  # one act, one record, its grams once
    assert (counters.records, counters.grams_reduced) == (1, 204)
    assert verify().ok

    # Sent again, it is a duplicate and nothing is reversed a second time.
    again = send(partner, partner_ride(mine, "b-2", "rider-3"))[0]
    assert again.status == "duplicate" and again.record_id == outcome.record_id
    assert len(reversals(db)) == 1 and get_balance(user.id) == 204
    assert usage(db, user) == {key: (204, 5100, 1) for key in before}
    assert quantify_pending(points_per_kg=1000).quantified == 0
    assert verify().ok


def test_spent_points_keep_the_self_report_counted(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    user, partner, mine = counted_self_report(db, tmp_path, "rider-4")
    factories.make_spend(user.id, 100, "test:spend:rider-4")
    before = usage(db, user)

    outcome = send(partner, partner_ride(mine, "b-3", "rider-4"))[0]

    # Taking back 208 points would leave -100: the self-report keeps counting, as before.
    assert outcome.status == "duplicate" and outcome.flags == ["already_counted_self_report"]
    theirs = db.session.get(BehaviorRecord, outcome.record_id)
    assert theirs.status == RecordStatus.REJECTED
    assert theirs.flags == ["already_counted_self_report"]
    db.session.refresh(mine)
    assert mine.status == RecordStatus.QUANTIFIED and mine.superseded_by_id is None
    assert reduction_of(db, mine).reversed_at is None
    assert get_balance(user.id) == 108
    assert reversals(db) == [] and usage(db, user) == before
    assert quantify_pending(points_per_kg=1000).quantified == 0
    assert queries.get_totals(user.id) == queries.Totals(208, 208, 1)
    assert verify().ok


def test_one_batch_replaces_one_self_report_once(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    user, partner, mine = counted_self_report(db, tmp_path, "rider-5")
    other = factories.make_user()
    factories.link(partner, other, "rider-6")
    stranger = partner_ride(mine, "b-6", "rider-6", km="3")
    outcomes = send(
        partner,
        partner_ride(mine, "b-4", "rider-5"),
        stranger,
        # The partner sends the same trip a second time under another id: it overlaps the first.
        partner_ride(mine, "b-5", "rider-5"),
    )
    assert [o.status for o in outcomes] == ["accepted", "accepted", "accepted"]
    assert outcomes[2].flags == ["overlapping_trip"]
    db.session.refresh(mine)
    assert mine.superseded_by_id == outcomes[0].record_id
    assert len(reversals(db)) == 1 and get_balance(user.id) == 0
    assert verify().ok


def test_cap_usage_rows_missing_or_short_are_left_at_zero(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    user, partner, mine = counted_self_report(db, tmp_path, "rider-7")
    rows = {
        row.period: row
        for row in db.session.scalars(select(CapUsage).where(CapUsage.user_id == user.id))
    }
    assert "day" in rows
    # A bucket without a row is not created; a row holding less than the reduction stops at 0.
    for period, row in rows.items():
        if period == "day":
            row.grams, row.quantity_milli, row.records = 100, 1000, 0
        else:
            db.session.delete(row)
    db.session.commit()

    assert send(partner, partner_ride(mine, "b-7", "rider-7"))[0].status == "accepted"
    assert usage(db, user) == {("day", rows["day"].bucket_start): (0, 0, 0)}
    assert get_balance(user.id) == 0
