"""The pending and flagged queues (``record_queues``, kept by triggers since migration 0007) hold
exactly the records in those statuses, whoever moves them: intake, an official's review, an
appeal, partner data superseding a report, the quantify job."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from portal.activities import queries, services
from portal.activities.models import (
    BehaviorRecord,
    RecordQueue,
    RecordStatus,
    Reduction,
)
from portal.activities.quantify import quantify_pending
from portal.extensions import db as _db
from tests import factories
from tests.conftest import dedicated_app, needs_postgresql
from tests.factories import partner_ride, ride
from tests.services.test_intake import CYCLING, NOW, log, send

WAITING = (RecordStatus.PENDING.value, RecordStatus.FLAGGED.value)


def queued(db: Any) -> set[tuple[str, int, int]]:
    rows = db.session.execute(select(RecordQueue.queue, RecordQueue.user_id, RecordQueue.record_id))
    return {tuple(row) for row in rows}


def waiting(db: Any) -> set[tuple[str, int, int]]:
    rows = db.session.execute(
        select(BehaviorRecord.status, BehaviorRecord.user_id, BehaviorRecord.id).where(
            BehaviorRecord.status.in_(WAITING)
        )
    )
    return {tuple(row) for row in rows}


def test_the_queues_follow_every_change_of_status(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    citizen = factories.make_user()
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    partner = factories.make_partner([CYCLING])
    factories.link(partner, citizen, "rider-3")
    mine = log(citizen, ride(), tmp_path)
    start = NOW - timedelta(hours=8)
    # 40 km in 30 minutes: flagged for review.
    fast = log(
        citizen,
        ride(quantity=Decimal(40), occurred_at=start, ended_at=start + timedelta(minutes=30)),
        tmp_path,
    )
    assert (
        queued(db)
        == waiting(db)
        == {
            ("pending", citizen.id, mine.id),
            ("flagged", citizen.id, fast.id),
        }
    )
    assert queries.count_flagged() == 1
    assert [record.id for record, _ in queries.list_flagged().items] == [fast.id]

    services.review_record(actor=official, record_id=fast.id, approve=False, reason="Too fast")
    assert queued(db) == waiting(db) == {("pending", citizen.id, mine.id)}
    assert queries.count_flagged() == 0 and queries.list_flagged().items == []

    services.appeal_record(user_id=citizen.id, record_id=fast.id, comment="It was an e-bike")
    assert ("flagged", citizen.id, fast.id) in queued(db)
    services.review_record(actor=official, record_id=fast.id, approve=True)
    assert (
        queued(db)
        == waiting(db)
        == {
            ("pending", citizen.id, mine.id),
            ("pending", citizen.id, fast.id),
        }
    )

    # The partner's record of the same trip supersedes the pending self-report.
    [outcome] = send(partner, partner_ride(mine, "trip-1", "rider-3"))
    assert outcome.status == "accepted"
    assert (
        queued(db)
        == waiting(db)
        == {
            ("pending", citizen.id, fast.id),
            ("pending", citizen.id, outcome.record_id),
        }
    )

    # The job takes both out of the queue as it quantifies them.
    report = quantify_pending(points_per_kg=1000)
    assert report.quantified == 2
    assert queued(db) == waiting(db) == set()


def test_a_queue_row_whose_record_left_pending_is_cleared_by_the_claim(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    """Only the quantify job moves a record from pending to quantified without the triggers
    taking it out of the queue; should anything else do so, the job finds the row and drops it."""
    mine = log(factories.make_user(), ride(), tmp_path)
    db.session.execute(
        update(BehaviorRecord)
        .where(BehaviorRecord.id == mine.id)
        .values(status=RecordStatus.QUANTIFIED.value)
    )
    assert len(queued(db)) == 1 and waiting(db) == set()
    report = quantify_pending(points_per_kg=1000)
    assert (report.quantified, report.batches) == (0, 0)
    assert queued(db) == set() and db.session.scalar(select(func.count(Reduction.id))) == 0


@needs_postgresql("a record locked by another connection")
def test_a_record_locked_elsewhere_stays_queued_for_the_next_run(tmp_path: Path) -> None:
    with dedicated_app("queue_locked", tmp_path) as app:
        first, second = factories.add_pending_rides(app, 2, 1, NOW - timedelta(hours=3))
        with app.app_context():
            held = select(BehaviorRecord.id).where(BehaviorRecord.user_id == first)
            with _db.engine.connect() as other, other.begin():
                [locked] = other.execute(held.with_for_update()).scalars()
                report = quantify_pending(points_per_kg=1000)
                assert report.quantified == 1
                assert queued(_db) == waiting(_db) == {("pending", first, locked)}
            report = quantify_pending(points_per_kg=1000)
            assert report.quantified == 1
            assert queued(_db) == waiting(_db) == set()
            users = _db.session.scalars(select(Reduction.user_id)).all()
            assert sorted(users) == [first, second]
