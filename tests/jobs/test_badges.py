"""The ``badges`` job: who it evaluates (people queued by new reductions and donations), what
it awards from verified activity, once, and that a run killed midway leaves nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from portal.activities.models import Reduction
from portal.gamification import services
from portal.gamification.models import BadgeAward, BadgeQueue
from portal.gamification.services import evaluate_badges
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.welfare.services import donate
from tests import factories

pytestmark = pytest.mark.usefixtures("methodologies")
DAY = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # noon in Shanghai


def _awards(db: Any, user_id: int) -> set[tuple[str, str]]:
    rows = db.session.execute(
        select(BadgeAward.badge_key, BadgeAward.tier).where(BadgeAward.user_id == user_id)
    )
    return {(key, tier) for key, tier in rows}


def _badge_notes(db: Any, user_id: int) -> list[dict[str, Any]]:
    return list(
        db.session.scalars(
            select(Notification.params)
            .where(Notification.user_id == user_id, Notification.kind == kinds.BADGE_AWARDED)
            .order_by(Notification.id)
        )
    )


def _clear_queue(db: Any) -> None:
    """Empty the queue of what other tests' rows (or the migration's backfill) left."""
    evaluate_badges()


def test_new_activity_is_awarded_once_and_a_rerun_awards_nothing(db: Any) -> None:
    _clear_queue(db)
    citizen = factories.make_user()
    for day in range(3):
        factories.credit(citizen, "JLCH-TR-003", DAY + timedelta(days=day), 4_000, 400)
    run = evaluate_badges()
    assert run.people == 1 and run.batches == 1
    expected = {
        ("first_record", "bronze"),
        ("streak", "bronze"),
        ("cyclist", "bronze"),  # 12 km
        ("reducer", "bronze"),  # 1.2 kg
    }
    assert _awards(db, citizen.id) == expected and run.awarded == 4
    assert {(n["badge"], n["tier"]) for n in _badge_notes(db, citizen.id)} == expected

    assert evaluate_badges().people == 0  # nobody queued
    factories.credit(citizen, "JLCH-TR-003", DAY + timedelta(days=3), 1_000, 10)
    again = evaluate_badges()
    assert again.people == 1 and again.awarded == 0
    assert len(_badge_notes(db, citizen.id)) == 4


def test_reaching_several_tiers_at_once_is_one_notification_naming_the_highest(db: Any) -> None:
    _clear_queue(db)
    citizen = factories.make_user()
    factories.credit(citizen, "JLCH-HS-003", DAY, 1_000, 150_000)  # 150 kg in one record
    evaluate_badges()
    assert {t for k, t in _awards(db, citizen.id) if k == "reducer"} == {"bronze", "silver", "gold"}
    assert [n for n in _badge_notes(db, citizen.id) if n["badge"] == "reducer"] == [
        {"badge": "reducer", "tier": "gold"}
    ]


def test_a_streak_counts_days_in_shanghai_not_utc(db: Any) -> None:
    _clear_queue(db)
    across, utc_only = factories.make_user(), factories.make_user()
    # 23:50 on the 19th, 00:10 on the 20th and 00:05 on the 21st in Shanghai: three days,
    # though the first two are one UTC day.
    for at in ("2026-11-19T15:50", "2026-11-19T16:10", "2026-11-20T16:05"):
        factories.credit(across, "JLCH-FD-001", datetime.fromisoformat(at).replace(tzinfo=UTC))
    # Three UTC days, but the 20th twice and then the 22nd in Shanghai: no run of three.
    for at in ("2026-11-19T16:30", "2026-11-20T15:30", "2026-11-21T16:30"):
        factories.credit(utc_only, "JLCH-FD-001", datetime.fromisoformat(at).replace(tzinfo=UTC))
    evaluate_badges()
    assert ("streak", "bronze") in _awards(db, across.id)
    assert ("streak", "bronze") not in _awards(db, utc_only.id)


def test_walking_steps_count_at_the_stride_and_running_in_km(db: Any) -> None:
    _clear_queue(db)
    walker = factories.make_user()
    factories.credit(walker, "JLCH-TR-001", DAY, 10_000_000, 100)  # 10,000 steps: 7 km
    factories.credit(walker, "JLCH-TR-002", DAY, 2_000, 0)  # a 2 km run
    evaluate_badges()
    assert ("walker", "bronze") not in _awards(db, walker.id)  # 9 km
    factories.credit(walker, "JLCH-TR-002", DAY + timedelta(days=1), 1_000, 0)
    evaluate_badges()
    assert ("walker", "bronze") in _awards(db, walker.id)


def test_reversed_reductions_and_other_categories_count_as_they_should(db: Any) -> None:
    _clear_queue(db)
    citizen = factories.make_user()
    for code in ("JLCH-FD-001", "JLCH-TR-003", "JLCH-HS-003"):
        factories.credit(citizen, code, DAY, 1_000, 10)
    db.session.execute(
        update(Reduction)
        .where(Reduction.user_id == citizen.id, Reduction.methodology_id == _id("JLCH-HS-003"))
        .values(reversed_at=DAY)
    )
    evaluate_badges()
    assert ("explorer", "bronze") not in _awards(db, citizen.id)  # two categories live
    factories.credit(citizen, "JLCH-CL-001", DAY, 1_000, 10)
    evaluate_badges()
    assert ("explorer", "bronze") in _awards(db, citizen.id)


def _id(code: str) -> int:
    return factories.methodology_id(code)


def test_a_donation_queues_the_donor_and_earns_the_donor_badge(db: Any) -> None:
    _clear_queue(db)
    operator = factories.make_user_with_role(factories.Role.ADMIN)
    project = factories.make_project(operator)
    donor = factories.make_user_with_role(factories.Role.CITIZEN)
    factories.give_points(donor.id, 500)
    evaluate_badges()  # the grant is no activity: nothing queued, nothing earned
    assert _awards(db, donor.id) == set()
    donate(donor=donor, project_id=project.id, points=100, form_token=factories.form_token())
    assert evaluate_badges().people == 1
    assert _awards(db, donor.id) == {("donor", "bronze")}


def test_a_run_killed_before_it_commits_leaves_the_batch_queued(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clear_queue(db)
    citizen = factories.make_user()
    factories.credit(citizen, "JLCH-TR-003", DAY)
    db.session.commit()  # as the quantify job does (here: releases the test's savepoint)

    def killed(written: Any) -> None:
        raise KeyboardInterrupt  # the process dies after the awards' insert, before commit

    monkeypatch.setattr(services, "_notify", killed)
    with pytest.raises(KeyboardInterrupt):
        evaluate_badges()
    assert _awards(db, citizen.id) == set()
    assert db.session.get(BadgeQueue, citizen.id) is not None
    monkeypatch.undo()
    assert evaluate_badges().awarded == 1
    assert _awards(db, citizen.id) == {("first_record", "bronze")}
    assert len(_badge_notes(db, citizen.id)) == 1


def test_people_are_taken_in_batches(db: Any) -> None:
    _clear_queue(db)
    people = [factories.make_user() for _ in range(5)]
    for person in people:
        factories.credit(person, "JLCH-FD-001", DAY)
    run = evaluate_badges(batch_size=2)
    assert (run.people, run.batches, run.awarded) == (5, 3, 5)
    assert db.session.scalar(select(func.count()).select_from(BadgeQueue)) == 0


def test_flask_jobs_run_badges_records_what_it_did(app: Any, db: Any) -> None:
    _clear_queue(db)
    factories.credit(factories.make_user(), "JLCH-FD-001", DAY)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "badges"])
    assert result.exit_code == 0 and "badges: ok" in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(BadgeQueue)) == 0
