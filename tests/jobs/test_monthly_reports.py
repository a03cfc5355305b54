"""The monthly report job: the month's grams by category in Asia/Shanghai, the change against
the month before, the badges earned; one notification per person and month however often it
runs, the rest posted once after a killed run, and a fixed number of queries per batch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from portal.clock import utcnow
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.reports import monthly
from portal.reports.monthly import change_percent, post_monthly_reports, previous_month
from tests import factories

pytestmark = pytest.mark.usefixtures("methodologies")
NOV = date(2026, 11, 1)
CYCLING, FOOD = "JLCH-TR-003", "JLCH-FD-001"


def _at(month: int, day: int, hour: int = 4) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _reports(db: Any, user_id: int | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.kind == kinds.MONTHLY_REPORT)
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    return list(db.session.scalars(stmt))


def test_change_percent_rounds_halves_away_from_zero_and_skips_nothing_before() -> None:
    assert change_percent(150, 100) == 50
    assert change_percent(0, 100) == -100
    assert change_percent(1, 3) == -67
    assert change_percent(1, 8) == -88  # -87.5
    assert change_percent(3, 2) == 50
    assert change_percent(500, 0) is None
    assert previous_month(date(2026, 1, 1)) == date(2025, 12, 1)


def test_two_months_by_category_with_the_change_and_the_badges(db: Any) -> None:
    citizen = factories.make_user()
    factories.credit(citizen, FOOD, _at(10, 10), grams=300)
    factories.credit(citizen, CYCLING, _at(10, 12), grams=700)
    factories.credit(citizen, CYCLING, _at(11, 3), grams=1500)
    factories.credit(citizen, FOOD, _at(11, 4), grams=500)
    factories.make_award(citizen, "first_record", "bronze", awarded_at=_at(11, 3))
    factories.make_award(citizen, "cyclist", "bronze", awarded_at=_at(10, 12))  # October's
    run = post_monthly_reports(NOV)
    assert (run.people, run.posted, run.batches) == (1, 1, 1)
    (report,) = _reports(db, citizen.id)
    assert report.idempotency_key == f"monthly_report:{citizen.id}:2026-11"
    assert report.params == {
        "month": "2026-11",
        "total_grams": 2000,
        "previous_grams": 1000,
        "change_grams": 1000,
        "change_percent": 100,
        "categories": [["food", 500], ["transport", 1500]],
        "badges": [["first_record", "bronze"]],
    }


def test_months_are_counted_in_shanghai(db: Any) -> None:
    citizen = factories.make_user()
    factories.credit(citizen, CYCLING, datetime(2026, 10, 31, 16, 30, tzinfo=UTC), grams=10)
    factories.credit(citizen, CYCLING, datetime(2026, 11, 30, 17, 0, tzinfo=UTC), grams=99)
    post_monthly_reports(NOV)
    (report,) = _reports(db, citizen.id)
    assert report.params["total_grams"] == 10  # Nov 1 00:30 in; Dec 1 01:00 out
    assert "change_percent" not in report.params  # nothing in October


def test_a_month_after_an_active_one_reports_the_drop(db: Any) -> None:
    citizen = factories.make_user()
    factories.credit(citizen, CYCLING, _at(10, 5), grams=800)
    post_monthly_reports(NOV)
    (report,) = _reports(db, citizen.id)
    assert report.params["total_grams"] == 0 and report.params["change_percent"] == -100


def test_people_with_nothing_deleted_or_disabled_get_no_report(db: Any) -> None:
    idle = factories.make_user()
    deleted = factories.make_user(deleted_at=utcnow())
    disabled = factories.make_user(is_disabled=True)
    for person in (deleted, disabled):
        factories.credit(person, CYCLING, _at(11, 5))
    assert post_monthly_reports(NOV).people == 0
    assert _reports(db) == [] and idle.id


def test_running_again_posts_nothing_more(db: Any) -> None:
    people = [factories.make_user() for _ in range(3)]
    for person in people:
        factories.credit(person, FOOD, _at(11, 9))
    assert post_monthly_reports(NOV).posted == 3
    again = post_monthly_reports(NOV)
    assert (again.people, again.posted) == (3, 0)
    assert len(_reports(db)) == 3
    assert post_monthly_reports(date(2026, 12, 1)).posted == 3  # December is another report


def test_a_run_killed_midway_is_finished_by_the_next_once_each(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [factories.make_user() for _ in range(5)]
    for person in people:
        factories.credit(person, CYCLING, _at(11, 9))
    db.session.commit()
    real = monthly.post_many
    calls = []

    def dies_on_the_second_batch(notices: Any) -> int:
        calls.append(len(notices))
        written = real(notices)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed after the insert, before the batch commits
        return written

    monkeypatch.setattr(monthly, "post_many", dies_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        post_monthly_reports(NOV, batch_size=2)
    assert len(_reports(db)) == 2  # the first batch stands, the second rolled back
    monkeypatch.undo()
    run = post_monthly_reports(NOV, batch_size=2)
    assert (run.people, run.posted, run.batches) == (5, 3, 3)
    counts = db.session.execute(
        select(Notification.user_id, func.count())
        .where(Notification.kind == kinds.MONTHLY_REPORT)
        .group_by(Notification.user_id)
    ).all()
    assert sorted(counts) == sorted((p.id, 1) for p in people)


@pytest.fixture
def statements(db: Any) -> Iterator[list[str]]:
    seen: list[str] = []
    bind = db.session.connection()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(bind, "before_cursor_execute", count)
    yield seen
    event.remove(bind, "before_cursor_execute", count)


def test_the_queries_do_not_grow_with_the_people_in_a_batch(db: Any, statements: list[str]) -> None:
    def run_for(n: int, month: date) -> int:
        for _ in range(n):
            person = factories.make_user()
            factories.credit(
                person, CYCLING, datetime.combine(month, datetime.min.time(), UTC).replace(day=10)
            )
            factories.make_award(
                person, awarded_at=datetime(month.year, month.month, 11, tzinfo=UTC)
            )
        statements.clear()
        post_monthly_reports(month)
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    small = run_for(2, date(2026, 7, 1))
    assert small >= 3 and small == run_for(12, date(2026, 5, 1))


def test_flask_jobs_run_monthly_reports(app: Any, db: Any) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "monthly_reports"])
    assert result.exit_code == 0 and "monthly_reports: ok" in result.output, result.output
