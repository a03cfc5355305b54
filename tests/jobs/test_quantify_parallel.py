"""The quantify job's worker processes and its optimistic cap usage, on PostgreSQL.

``quantify_pending(workers=2)`` spawns two processes, each over its share of the users; a batch
whose cap-usage rows another transaction changed after it read them is rolled back and run
again. Each test commits, so each runs in a database of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, update

from portal.activities import quantify
from portal.activities.models import (
    BehaviorRecord,
    CapUsage,
    RecordQueue,
    RecordStatus,
    Reduction,
)
from portal.activities.quantify import batch
from portal.activities.quantify import pending as quantify_job
from portal.extensions import db
from portal.ledger.queries import get_balance
from portal.ledger.verification import verify
from portal.scheduler.workers import worker_app_context
from tests import factories
from tests.conftest import needs_postgresql
from tests.counter_checks import assert_counters_match
from tests.jobs.ledger_checks import assert_credited_once

DAY = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
RIDES = 12  # 12 rides of 3 km on one day: the 20 km daily cycling cap allows 800 g

pytestmark = needs_postgresql("SQLite runs one writer, in-process")


def _net_by_user() -> dict[int, int]:
    return {
        user_id: int(net)
        for user_id, net in db.session.execute(
            select(Reduction.user_id, func.sum(Reduction.net_grams)).group_by(Reduction.user_id)
        )
    }


def test_worker_processes_share_the_backlog(
    pg_app_per_test: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = factories.add_pending_rides(pg_app_per_test, 40, RIDES, DAY)
    monkeypatch.setattr(quantify_job, "PARALLEL_FROM", 100)  # go parallel on this small backlog
    spawned: list[int] = []
    in_processes = quantify_job.run_in_processes

    def spy(points_per_kg: int, batch_size: int, workers: int, worker_context: Any) -> Any:
        spawned.append(workers)
        return in_processes(points_per_kg, batch_size, workers, worker_context)

    monkeypatch.setattr(quantify_job, "run_in_processes", spy)
    with pg_app_per_test.app_context():
        report = quantify.quantify_pending(
            points_per_kg=1000,
            batch_size=40,
            workers=2,
            worker_context=worker_app_context(pg_app_per_test),
        )
        assert spawned == [2]
        assert report.quantified == len(users) * RIDES and report.rejected == 0
        # 20 citizens a share; 40 rows reach into a fourth citizen, whose rest joins the batch:
        # four whole citizens a batch, five batches a share.
        assert report.batches == 2 * 5
        assert _net_by_user() == {user_id: 800 for user_id in users}
        assert all(get_balance(user_id) == 800 for user_id in users)
        assert assert_credited_once(db.session) == report.batches
        pending = select(func.count()).where(BehaviorRecord.status != RecordStatus.QUANTIFIED)
        assert db.session.scalar(pending) == 0
        assert db.session.scalar(select(func.count()).select_from(RecordQueue)) == 0
        assert verify().ok
        # The counters both workers' batches added to, each on its own shard, sum exactly.
        assert assert_counters_match(db.session).grams_reduced == 800 * len(users)


@pytest.mark.parametrize("stored", [False, True], ids=["row-inserted", "row-added-to"])
def test_a_batch_whose_cap_usage_moved_meanwhile_is_run_again(
    pg_app_per_test: Flask, monkeypatch: pytest.MonkeyPatch, stored: bool
) -> None:
    """The rival stores the day's usage row the batch read as missing (the batch's insert
    fails), or adds to the row the batch read (the batch's upsert sees other totals)."""
    [user_id] = factories.add_pending_rides(pg_app_per_test, 1, RIDES, DAY)
    key = {"user_id": user_id, "period": "day", "bucket_start": DAY.date()}
    if stored:
        with pg_app_per_test.app_context(), db.engine.begin() as setup:
            methodology_id = setup.scalar(select(BehaviorRecord.methodology_id).limit(1))
            setup.execute(
                insert(CapUsage).values(
                    **key, methodology_id=methodology_id, grams=0, quantity_milli=0, records=0
                )
            )
    cap_records = batch.cap_records
    calls: list[int] = []
    rival = {"grams": 120, "quantity_milli": 3000, "records": 1}

    def caps_then_a_rival_commits(items: list[Any]) -> Any:
        capped = cap_records(items)
        calls.append(len(items))
        if len(calls) == 1:
            # Another runner credits 120 g on that day between this batch's read and write.
            with db.engine.begin() as conn:
                if stored:
                    conn.execute(
                        update(CapUsage)
                        .where(
                            *(CapUsage.__table__.c[name] == value for name, value in key.items())
                        )
                        .values({name: CapUsage.__table__.c[name] + n for name, n in rival.items()})
                    )
                else:
                    conn.execute(
                        insert(CapUsage).values(
                            **key, methodology_id=items[0].methodology_id, **rival
                        )
                    )
        return capped

    monkeypatch.setattr(batch, "cap_records", caps_then_a_rival_commits)
    with pg_app_per_test.app_context():
        report = quantify.quantify_pending(points_per_kg=1000)
        assert calls == [RIDES, RIDES]  # the first attempt was rolled back and run again
        assert report.quantified == RIDES and report.batches == 1
        # The rerun saw the rival's 3 km: 17 km of the 20 km cap were left, 680 g.
        assert _net_by_user() == {user_id: 680}
        assert get_balance(user_id) == 680
        usage = db.session.execute(select(CapUsage.grams, CapUsage.quantity_milli)).one()
        assert tuple(usage) == (800, 20_000)
        assert db.session.scalar(select(func.count(Reduction.id))) == RIDES
        assert db.session.scalar(select(func.count()).select_from(RecordQueue)) == 0
        assert assert_credited_once(db.session) == 1
        assert verify().ok
