"""The monthly report's rank change: each closed month's person-board places are stored once
(the same ranking as the month board built at the month's end, children and people not opted
in left out), and the report compares the month's place with the month before's; one report
and one set of places per month however often the job runs, also after a killed run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.clock import local_today
from portal.gamification.leaderboards import rules
from portal.gamification.leaderboards.models import LeaderboardRow, MonthClose, MonthPlace
from portal.gamification.leaderboards.month_end import close_month, get_places
from portal.gamification.leaderboards.services import build_leaderboards
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.privacy.export import SECTIONS
from portal.reports import monthly
from portal.reports.monthly import post_monthly_reports
from tests import factories

pytestmark = pytest.mark.usefixtures("methodologies")
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
FOOD = "JLCH-FD-001"


def _at(month: int, day: int, hour: int = 4) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _listed(**fields: Any) -> factories.User:
    return factories.make_user(is_publicly_listed=True, **fields)


def _report(db: Any, user: Any) -> dict[str, Any]:
    (params,) = db.session.scalars(
        select(Notification.params).where(
            Notification.kind == kinds.MONTHLY_REPORT, Notification.user_id == user.id
        )
    )
    return dict(params)


def test_month_places_are_the_month_board_at_its_end(db: Any) -> None:
    people = [_listed() for _ in range(6)]
    grams = [500, 900, 500, 300, 900, 100]
    for i, (person, amount) in enumerate(zip(people, grams, strict=True)):
        factories.credit(person, FOOD, _at(11, 3 + i), grams=amount)  # ties: earlier first
    factories.credit(people[5], FOOD, _at(10, 20), grams=9000)  # October's: not November's
    child = _listed(birth_year=local_today().year - 10)
    hidden = factories.make_user()  # not opted in
    for person in (child, hidden):
        factories.credit(person, FOOD, _at(11, 2), grams=5000)
    assert close_month(NOV)
    places = get_places(NOV, [p.id for p in people] + [child.id, hidden.id])
    build = build_leaderboards(_at(11, 30, 15))  # 23:00 on the 30th in Shanghai
    board = {
        row.user_id: row.rank
        for row in db.session.scalars(
            select(LeaderboardRow).where(
                LeaderboardRow.snapshot_id == build.snapshot_id,
                LeaderboardRow.board == rules.PERSON,
                LeaderboardRow.period == rules.MONTH,
            )
        )
    }
    assert places == board
    assert [places[p.id] for p in people] == [3, 1, 4, 5, 2, 6]
    assert child.id not in places and hidden.id not in places


def test_the_report_tells_each_person_their_move(db: Any) -> None:
    up, down, same, new = (_listed() for _ in range(4))
    unlisted = factories.make_user()
    for person, october, november in (
        (up, 100, 900),
        (down, 800, 100),
        (same, 500, 500),
        (unlisted, 700, 700),
    ):
        factories.credit(person, FOOD, _at(10, 10), grams=october)
        factories.credit(person, FOOD, _at(11, 10), grams=november)
    factories.credit(new, FOOD, _at(11, 11), grams=200)
    post_monthly_reports(NOV)  # closes October (never closed) and November
    assert (_report(db, up)["previous_place"], _report(db, up)["place"]) == (3, 1)
    assert (_report(db, down)["previous_place"], _report(db, down)["place"]) == (1, 4)
    assert (_report(db, same)["previous_place"], _report(db, same)["place"]) == (2, 2)
    assert _report(db, new)["place"] == 3 and "previous_place" not in _report(db, new)
    assert "place" not in _report(db, unlisted) and "previous_place" not in _report(db, unlisted)


def test_a_month_is_closed_once_and_late_data_moves_no_stored_place(db: Any) -> None:
    first, second = _listed(), _listed()
    factories.credit(first, FOOD, _at(11, 3), grams=900)
    factories.credit(second, FOOD, _at(11, 4), grams=100)
    assert post_monthly_reports(NOV).posted == 2
    factories.credit(second, FOOD, _at(11, 5), grams=5000)  # arrives after the close
    again = post_monthly_reports(NOV)
    assert again.posted == 0
    assert not close_month(NOV)
    assert get_places(NOV, [first.id, second.id]) == {first.id: 1, second.id: 2}
    assert db.session.scalar(select(func.count()).select_from(MonthClose)) == 2  # Oct, Nov
    assert db.session.scalar(select(func.count()).select_from(MonthPlace)) == 2
    assert _report(db, second)["place"] == 2
    exported = list(dict(SECTIONS)["month_places"](second.id))  # the data export
    assert [(e["month"], e["place"]) for e in exported] == [(NOV, 2)]  # JSON-dumped as ISO


def test_a_month_nobody_was_ranked_in_is_closed_too(db: Any) -> None:
    assert close_month(NOV) and not close_month(NOV)
    assert get_places(NOV, [1, 2]) == {}


def test_a_run_killed_after_closing_posts_the_same_places_next_time(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [_listed() for _ in range(3)]
    for i, person in enumerate(people):
        factories.credit(person, FOOD, _at(11, 3), grams=100 * (i + 1))
    db.session.commit()

    def killed(notices: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(monthly, "post_many", killed)
    with pytest.raises(KeyboardInterrupt):
        post_monthly_reports(NOV)
    monkeypatch.undo()
    assert get_places(NOV, [p.id for p in people]) == {
        people[0].id: 3,
        people[1].id: 2,
        people[2].id: 1,
    }
    assert post_monthly_reports(NOV).posted == 3
    assert [_report(db, p)["place"] for p in people] == [3, 2, 1]


def test_a_child_in_the_report_has_no_rank(db: Any) -> None:
    child = _listed(birth_year=local_today().year - 12)
    factories.credit(child, FOOD, _at(10, 3), grams=300)
    factories.credit(child, FOOD, _at(11, 3) + timedelta(hours=1), grams=300)
    post_monthly_reports(NOV)
    params = _report(db, child)
    assert params["total_grams"] == 300 and "place" not in params
    assert db.session.scalar(select(func.count()).select_from(MonthPlace)) == 0
    assert close_month(OCT) is False  # the report closed October too
