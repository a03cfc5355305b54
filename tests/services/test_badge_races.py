"""The ``badges`` job under real concurrency on PostgreSQL: two runs at once award each tier
once and notify once, whether they split the queue between them (``SKIP LOCKED``) or are forced
to evaluate the same person at the same moment (the unique key decides). The threads commit,
so each test has a database of its own."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier, Event, Thread

from flask import Flask
from sqlalchemy import func, insert, select

from portal.activities.models import Reduction
from portal.db import transaction
from portal.extensions import db
from portal.gamification.models import BadgeAward, BadgeQueue
from portal.gamification.services import award_due_badges, evaluate_badges
from portal.methodology.services import seed_filed_methodologies
from portal.notifications import kinds
from portal.notifications.models import Notification
from tests import factories
from tests.conftest import needs_postgresql
from tests.races import race_at_insert

pytestmark = needs_postgresql("SQLite lets one writer in at a time")
DAY = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
PEOPLE = 60


def _citizens_with_three_rides(app: Flask, people: int) -> list[int]:
    with app.app_context():
        seed_filed_methodologies()
        ids = [factories.make_user().id for _ in range(people)]
        db.session.execute(
            insert(Reduction),
            [
                factories.reduction_row(u, factories.CYCLING, DAY + timedelta(days=d), 4000, 400)
                for u in ids
                for d in range(3)
            ],
        )
        db.session.commit()
        db.session.remove()
        return ids


def _counts(app: Flask) -> tuple[Counter[tuple[int, str, str]], Counter[tuple[int, str]], int]:
    with app.app_context():
        awards = Counter(
            db.session.execute(select(BadgeAward.user_id, BadgeAward.badge_key, BadgeAward.tier))
        )
        notes = Counter(
            (user_id, params["badge"])
            for user_id, params in db.session.execute(
                select(Notification.user_id, Notification.params).where(
                    Notification.kind == kinds.BADGE_AWARDED
                )
            )
        )
        queued = db.session.scalar(select(func.count()).select_from(BadgeQueue)) or 0
        db.session.remove()
        return awards, notes, queued


def test_two_runs_at_once_award_and_notify_each_tier_once(pg_app_per_test: Flask) -> None:
    app = pg_app_per_test
    ids = _citizens_with_three_rides(app, PEOPLE)
    start = Barrier(2, timeout=30)

    def run(_: int) -> int:
        with app.app_context():
            try:
                start.wait()
                return evaluate_badges(batch_size=7).people
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2) as pool:
        evaluated = list(pool.map(run, range(2)))
    assert sum(evaluated) == PEOPLE  # each person taken by one run
    awards, notes, queued = _counts(app)
    assert queued == 0 and max(awards.values()) == 1 and max(notes.values()) == 1
    assert len(awards) == PEOPLE * 4  # first record, streak, cyclist, reducer: bronze each
    assert set(notes) == {(u, b) for u, b, _ in awards} and {u for u, _ in notes} == set(ids)


def test_two_evaluations_of_one_person_at_the_same_moment_award_once(
    pg_app_per_test: Flask,
) -> None:
    app = pg_app_per_test
    [citizen] = _citizens_with_three_rides(app, 1)

    def evaluate(_: int) -> int:
        with transaction():
            return len(award_due_badges([citizen]))

    results = race_at_insert(app, "badge_awards", evaluate)
    assert sorted(results) == [0, 4], results  # one wrote all four, the other none
    awards, notes, _ = _counts(app)
    assert len(awards) == 4 and max(awards.values()) == 1
    assert len(notes) == 4 and max(notes.values()) == 1


def test_a_person_a_writer_is_crediting_is_left_for_the_next_run(pg_app_per_test: Flask) -> None:
    """The quantify job inserts a reduction for someone already queued and has not committed:
    its trigger's upsert holds the queue row, so the job skips that person instead of
    evaluating them without the new reduction and deleting their row (a lost update)."""
    app = pg_app_per_test
    with app.app_context():
        seed_filed_methodologies()
        citizen = factories.make_user().id
        db.session.add(BadgeQueue(user_id=citizen))
        db.session.commit()
        db.session.remove()
    inserted, evaluated = Event(), Event()

    def quantify() -> None:
        with app.app_context():
            try:
                db.session.execute(
                    insert(Reduction), [factories.reduction_row(citizen, factories.CYCLING, DAY)]
                )
                inserted.set()
                assert evaluated.wait(timeout=30)
                db.session.commit()
            finally:
                db.session.remove()

    writer = Thread(target=quantify)
    writer.start()
    assert inserted.wait(timeout=30)
    with app.app_context():
        skipped = evaluate_badges()
        db.session.remove()
    evaluated.set()
    writer.join(timeout=30)
    with app.app_context():
        after = evaluate_badges()
        db.session.remove()
    assert skipped.people == 0 and (after.people, after.awarded) == (1, 1)
