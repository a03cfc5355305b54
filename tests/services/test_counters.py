"""The public counters and personal totals kept by triggers (migration 0011) equal a recount of
the rows after every kind of write: sign-up and disabling, the quantify job's reductions and
rejections, an official's review, and the migration's backfill of rows already there. (Partner
data replacing a self-report: tests/services/test_intake.py; two quantify workers on
PostgreSQL: tests/jobs/test_quantify_parallel.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
from sqlalchemy import insert, inspect, select

from portal.activities import queries, review
from portal.activities.models import BehaviorRecord, RecordStatus, Reduction
from portal.activities.quantify import quantify_pending
from portal.extensions import db as _db
from portal.methodology.services import seed_filed_methodologies
from portal.stats.queries import HeadlineCounters, get_headline_counters
from tests import factories
from tests.conftest import dedicated_app, downgraded_to
from tests.counter_checks import assert_counters_match

DAY = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
RIDES = 6  # 3 km each: 18 km, under the 20 km daily cycling cap, 120 g each


def _rides(user_id: int, cycling: int, **fields: Any) -> list[dict[str, Any]]:
    return [
        {**factories.record_row(user_id, cycling, DAY + timedelta(minutes=30 * n)), **fields}
        for n in range(RIDES)
    ]


def test_counters_follow_accounts_quantify_and_review(db: Any, methodologies: Any) -> None:
    cycling = methodologies["JLCH-TR-003"].id
    empty = assert_counters_match(db.session)
    citizen, other = factories.make_user(), factories.make_user()
    factories.make_user(is_disabled=True)
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    assert assert_counters_match(db.session).participants == empty.participants + 3
    other.is_disabled = True
    db.session.flush()
    assert assert_counters_match(db.session).participants == empty.participants + 2
    other.is_disabled = False
    db.session.flush()

    db.session.execute(insert(BehaviorRecord), _rides(citizen.id, cycling))
    flagged = [
        factories.make_record(citizen, methodologies["JLCH-TR-003"], DAY - timedelta(days=n), 3000)
        for n in (1, 2)
    ]
    for record in flagged:
        record.status = RecordStatus.FLAGGED.value
    # Before any version was in force: the job rejects it, and it stays a record.
    factories.make_record(other, methodologies["JLCH-TR-003"], datetime(2001, 1, 1, tzinfo=UTC), 3)
    assert assert_counters_match(db.session).records == empty.records + RIDES + 3

    report = quantify_pending(points_per_kg=1000)
    assert (report.quantified, report.rejected) == (RIDES, 1)
    counters = assert_counters_match(db.session)
    assert counters.grams_reduced == empty.grams_reduced + RIDES * 120
    assert queries.get_totals(citizen.id) == queries.Totals(RIDES * 120, RIDES * 120, RIDES)
    assert queries.grams_by_category(citizen.id) == {"transport": RIDES * 120}

    review.review_record(actor=official, record_id=flagged[0].id, approve=False, reason="no")
    review.review_record(actor=official, record_id=flagged[1].id, approve=True)
    assert quantify_pending(points_per_kg=1000).quantified == 1
    counters = assert_counters_match(db.session)
    assert counters.records == empty.records + RIDES + 3  # a rejected record is still a record
    assert counters.grams_reduced == empty.grams_reduced + (RIDES + 1) * 120
    assert queries.get_totals(citizen.id).reductions == RIDES + 1


def test_0011_backfills_the_rows_already_there(tmp_path: Path) -> None:
    with dedicated_app("migration_0011", tmp_path) as app, app.app_context():
        with downgraded_to("0010"):
            seed_filed_methodologies()
            cycling = factories.methodology_id("JLCH-TR-003")
            users = [factories.make_user().id for _ in range(3)]
            factories.make_user(is_disabled=True)
            for user_id in users:
                _db.session.execute(insert(BehaviorRecord), _rides(user_id, cycling))
            _db.session.commit()
            quantify_pending(points_per_kg=1000)
            _db.session.execute(
                BehaviorRecord.__table__.update()
                .where(BehaviorRecord.user_id == users[0])
                .values(status=RecordStatus.SUPERSEDED.value)
            )
            first = _db.session.scalar(
                select(Reduction.id).where(Reduction.user_id == users[1]).limit(1)
            )
            _db.session.execute(
                Reduction.__table__.update().where(Reduction.id == first).values(reversed_at=DAY)
            )
            _db.session.commit()
            _db.session.remove()

        flask_migrate.upgrade()
        counters = assert_counters_match(_db.session)
        assert counters == HeadlineCounters(
            participants=3, records=2 * RIDES, grams_reduced=(3 * RIDES - 1) * 120
        )
        assert queries.get_totals(users[1]).reductions == RIDES - 1
        _db.session.remove()

        flask_migrate.downgrade(revision="0010")
        tables = inspect(_db.engine).get_table_names()
        assert "platform_counters" not in tables and "reduction_totals" not in tables
        _db.session.remove()
        flask_migrate.upgrade()
        assert get_headline_counters() == counters


def test_grams_by_day_are_summed_by_the_shanghai_day(db: Any, methodologies: Any) -> None:
    citizen = factories.make_user()
    cycling = methodologies["JLCH-TR-003"]
    midnight = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 00:00 on the 21st in Shanghai
    for minutes in (-61, -1, 0, 30):
        factories.make_record(citizen, cycling, midnight + timedelta(minutes=minutes), 3000)
    quantify_pending(points_per_kg=1000)
    by_day = dict(queries.grams_by_day(citizen.id, 3, date(2026, 11, 21)))
    assert by_day == {date(2026, 11, 19): 0, date(2026, 11, 20): 240, date(2026, 11, 21): 240}
