"""Caps are a function of the records alone: the same pending set gives the same reductions
whatever the batch size (1, 7, 5,000) and the number of workers (1, 2 on PostgreSQL).

Each run quantifies its own copy of one random pending set (the same records, for other
citizens, inserted in the same shuffled order, so record ids do not follow ``occurred_at``);
the copies' reductions are compared record by record.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from portal.activities.models import BehaviorRecord, Reduction
from portal.activities.quantify import pending as quantify_job
from portal.activities.quantify import quantify_pending
from portal.db import session
from portal.methodology.services import seed_filed_methodologies
from portal.scheduler.workers import worker_app_context
from tests import factories
from tests.conftest import needs_postgresql
from tests.factories.activities import record_row
from tests.factories.methodology import methodology_id

# Capped by quantity (20 km a day), by records (4 rides a day) and by grams (300 g a day).
CAPPED = {"JLCH-TR-003": "km", "JLCH-TR-007": "km", "JLCH-TR-001": "steps"}
START = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # 2026-11-20 00:00 in Shanghai
PEOPLE = 2

# One record: (person, methodology code, minutes after START over two days, quantity in
# thousandths of the unit). Kilometres up to 15, steps up to 30,000: dense enough that most
# sets reach a cap.
Item = tuple[int, str, int, int]
items = st.lists(
    st.tuples(
        st.integers(0, PEOPLE - 1),
        st.sampled_from(sorted(CAPPED)),
        st.integers(0, 2 * 24 * 60 - 1),
        st.integers(1, 15_000),
    ),
    min_size=8,
    max_size=60,
)


def _insert_copy(records: list[Item]) -> dict[int, tuple[int, int]]:
    """Insert the records for ``PEOPLE`` new citizens; return each record id's (person, index)."""
    users = [factories.make_user().id for _ in range(PEOPLE)]
    ids = {code: methodology_id(code) for code in CAPPED}
    rows = [
        record_row(
            users[person],
            ids[code],
            START + timedelta(minutes=minute),
            quantity * 2 if CAPPED[code] == "steps" else quantity,
            unit=CAPPED[code],
        )
        for person, code, minute, quantity in records
    ]
    inserted = session().scalars(insert(BehaviorRecord).returning(BehaviorRecord.id), rows).all()
    session().commit()
    return {record_id: (records[i][0], i) for i, record_id in enumerate(inserted)}


def _results(copy: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int, int]]:
    """Each record's (gross, net, capped) grams, by its index in the pending set."""
    found = session().execute(
        select(
            Reduction.record_id, Reduction.gross_grams, Reduction.net_grams, Reduction.capped_grams
        ).where(Reduction.record_id.in_(list(copy)))
    )
    return {copy[record_id][1]: (gross, net, capped) for record_id, gross, net, capped in found}


def _runs_agree(records: list[Item], runs: list[Callable[[], Any]]) -> None:
    outcomes = []
    for run in runs:
        copy = _insert_copy(records)
        run()
        outcomes.append(_results(copy))
    assert len(outcomes[0]) == len(records)
    for outcome in outcomes[1:]:
        assert outcome == outcomes[0]


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=items, order=st.randoms(use_true_random=False))
def test_batch_size_does_not_change_any_reduction(
    db: Any, methodologies: Any, records: list[Item], order: random.Random
) -> None:
    order.shuffle(records)
    _runs_agree(
        records,
        [
            lambda size=size: quantify_pending(points_per_kg=1000, batch_size=size)
            for size in (1, 7, 5000)
        ],
    )


def test_a_backlog_longer_than_a_batch_is_capped_in_time_order(db: Any, methodologies: Any) -> None:
    """The issue's case: four bus rides of one day sent latest first, quantified two a batch;
    the day's four-ride cap must credit the four rides, and a fifth, latest ride gets 0."""
    user = factories.make_user()
    bus = methodology_id("JLCH-TR-007")
    times = [START + timedelta(hours=h) for h in (23, 22.5, 22, 21.5, 21)]  # latest first
    session().execute(insert(BehaviorRecord), [record_row(user.id, bus, at) for at in times])
    session().commit()
    quantify_pending(points_per_kg=1000, batch_size=2)
    by_time = (
        session()
        .scalars(
            select(Reduction.net_grams)
            .where(Reduction.user_id == user.id)
            .order_by(Reduction.occurred_at)
        )
        .all()
    )
    assert all(grams > 0 for grams in by_time[:4]) and by_time[4] == 0


@needs_postgresql("worker processes run on PostgreSQL only")
def test_worker_count_does_not_change_any_reduction(
    pg_app_per_test: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quantify_job, "PARALLEL_FROM", 1)  # go parallel on a small backlog
    draw = random.Random(20261202)
    records: list[Item] = [
        (
            draw.randrange(PEOPLE),
            draw.choice(sorted(CAPPED)),
            draw.randrange(2 * 24 * 60),
            draw.randint(1, 15_000),
        )
        for _ in range(120)
    ]
    with pg_app_per_test.app_context():
        seed_filed_methodologies()
        session().commit()
        context = worker_app_context(pg_app_per_test)
        _runs_agree(
            records,
            [
                lambda: quantify_pending(points_per_kg=1000, batch_size=7),
                lambda: quantify_pending(
                    points_per_kg=1000, batch_size=7, workers=2, worker_context=context
                ),
                lambda: quantify_pending(points_per_kg=1000, batch_size=1, workers=1),
            ],
        )
