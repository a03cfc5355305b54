"""Several quantify workers at once on PostgreSQL: every record is credited exactly once and
the caps hold, whatever the interleaving (FOR UPDATE SKIP LOCKED on records, locked cap-usage
rows, idempotent ledger keys).

The workers commit, so the test runs in a database of its own, created and dropped here.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.activities.models import BehaviorRecord, RecordQueue, RecordStatus, Reduction
from portal.activities.quantify import quantify_pending
from portal.extensions import db
from portal.ledger.queries import get_balance
from portal.ledger.verification import verify
from tests import factories
from tests.conftest import needs_postgresql
from tests.jobs.ledger_checks import assert_credited_once

WORKERS = 4
USERS = 30
RIDES_PER_USER = 12  # 12 rides of 3 km on one day: the 20 km daily cycling cap bites
DAY = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)

pytestmark = needs_postgresql("SQLite lets one writer in at a time")


def test_parallel_workers_credit_each_record_once(pg_app: Flask) -> None:
    users = factories.add_pending_rides(pg_app, USERS, RIDES_PER_USER, DAY)
    start = threading.Barrier(WORKERS, timeout=60)
    errors: list[BaseException] = []
    reports: list[Any] = []

    def work() -> None:
        try:
            with pg_app.app_context():
                start.wait()
                reports.append(quantify_pending(points_per_kg=1000, batch_size=25))
        except BaseException as error:  # surfaced below with its traceback
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and not any(t.is_alive() for t in threads)
    total = USERS * RIDES_PER_USER
    assert sum(r.quantified for r in reports) == total
    assert sum(1 for r in reports if r.quantified) > 1, "the workers should have shared the work"

    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Reduction.id))) == total
        # Rides the cap reduced to 0 g earn no points, so they post nothing to the ledger.
        credited = db.session.scalar(select(func.count(Reduction.id)).where(Reduction.points > 0))
        assert credited == USERS * 7  # six whole rides and one part ride a day
        assert 0 < assert_credited_once(db.session) <= sum(r.batches for r in reports)
        pending = db.session.scalar(
            select(func.count(BehaviorRecord.id)).where(
                BehaviorRecord.status != RecordStatus.QUANTIFIED
            )
        )
        assert pending == 0
        assert db.session.scalar(select(func.count()).select_from(RecordQueue)) == 0
        for user_id in users:
            # 3 km x 0.04 kg/km = 120 g a ride; the 20 km cap allows 6 2/3 rides = 800 g a day.
            net = db.session.scalar(
                select(func.sum(Reduction.net_grams)).where(Reduction.user_id == user_id)
            )
            assert net == 800, user_id
            assert get_balance(user_id) == 800
        assert verify().ok
