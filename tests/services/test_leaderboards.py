"""The leaderboards job against a brute-force ranking of random data (hypothesis), on the
test database (SQLite, or PostgreSQL with ``TEST_DATABASE_URL``); the pointer switch; and
privacy: no child and no one who did not opt in is in a snapshot's person rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from portal.accounts.models import User
from portal.accounts.queries import may_be_listed
from portal.activities.models import Reduction
from portal.clock import utcnow
from portal.db import session
from portal.gamification.leaderboards import rules
from portal.gamification.leaderboards.models import (
    LeaderboardRow,
    LeaderboardSnapshot,
    PersonPosition,
)
from portal.gamification.leaderboards.services import build_leaderboards
from tests import factories

pytestmark = pytest.mark.usefixtures("methodologies")

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # Thursday 12:00 in Shanghai
# A few instants only, so equal scores reached at the same moment (RANK ties) happen.
INSTANTS = [NOW - timedelta(hours=h) for h in (1, 30, 80, 24 * 10, 24 * 40, 24 * 400)]
BIRTH_YEARS = [None, 1990, 2010, 2015]  # 2015: under 14 in 2026

people = st.lists(
    st.tuples(st.sampled_from(BIRTH_YEARS), st.booleans(), st.sampled_from(["", "朝阳区"])),
    min_size=1,
    max_size=8,
)
reductions = st.lists(
    st.tuples(st.integers(0, 7), st.sampled_from(INSTANTS), st.integers(0, 3), st.booleans()),
    max_size=30,
)


def _brute(period: str, board: str) -> list[tuple[int, int, Any, int]]:
    """(position, rank, subject, grams) by counting every live reduction in Python."""
    since = rules.period_start(period, NOW)
    users = {u.id: u for u in session().scalars(select(User))}
    grams: defaultdict[Any, int] = defaultdict(int)
    reached: dict[Any, datetime] = {}
    for r in session().scalars(select(Reduction)):
        if r.reversed_at is not None or r.net_grams <= 0 or r.occurred_at >= NOW:
            continue
        if since is not None and r.occurred_at < since:
            continue
        user = users[r.user_id]
        if board == rules.PERSON:
            if not may_be_listed(user):
                continue
            key: Any = user.id
        elif board == rules.CITY:
            key = (user.city_code, None)
        else:
            if not user.district:
                continue
            key = (user.city_code, user.district)
        grams[key] += r.net_grams
        reached[key] = max(reached.get(key, r.occurred_at), r.occurred_at)
    ordered = sorted(grams, key=lambda k: (-grams[k], reached[k], k))
    result = []
    for position, key in enumerate(ordered, start=1):
        better = sum(1 for k in grams if (-grams[k], reached[k]) < (-grams[key], reached[key]))
        result.append((position, better + 1, key, grams[key]))
    return result


def _snapshot(snapshot_id: int, period: str, board: str) -> list[tuple[int, int, Any, int]]:
    rows = session().scalars(
        select(LeaderboardRow)
        .where(
            LeaderboardRow.snapshot_id == snapshot_id,
            LeaderboardRow.period == period,
            LeaderboardRow.board == board,
        )
        .order_by(LeaderboardRow.position)
    )
    return [
        (
            r.position,
            r.rank,
            r.user_id if board == rules.PERSON else (r.city_code, r.district),
            r.score,
        )
        for r in rows
    ]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=people, reductions=reductions)
def test_the_job_ranks_as_a_brute_force_count(
    db: Any, people: list[tuple[int | None, bool, str]], reductions: list[Any]
) -> None:
    users = [
        factories.make_user(birth_year=year, is_publicly_listed=listed, district=district or None)
        for year, listed, district in people
    ]
    rows = []
    for index, at, grams, reversed_ in reductions:
        row = factories.reduction_row(
            users[index % len(users)].id, factories.CYCLING, at, grams=grams
        )
        row["reversed_at"] = NOW if reversed_ else None
        rows.append(row)
    if rows:
        session().execute(insert(Reduction), rows)
    build = build_leaderboards(NOW)
    for period in rules.PERIODS:
        for board in (rules.PERSON, rules.CITY, rules.DISTRICT):
            assert _snapshot(build.snapshot_id, period, board) == _brute(period, board)
    assert session().scalar(select(func.count()).select_from(LeaderboardSnapshot)) == 1
    assert _positions(build.snapshot_id) == _brute_positions()


def _brute_positions() -> dict[int, tuple[int | None, ...]]:
    """Each person's (week, month, all) position on the brute-force person boards."""
    found: defaultdict[int, list[int | None]] = defaultdict(lambda: [None] * len(rules.PERIODS))
    for n, period in enumerate(rules.PERIODS):
        for position, _rank, user_id, _grams in _brute(period, rules.PERSON):
            found[user_id][n] = position
    return {user_id: tuple(positions) for user_id, positions in found.items()}


def _positions(snapshot_id: int) -> dict[int, tuple[int | None, ...]]:
    rows = session().scalars(
        select(PersonPosition).where(PersonPosition.snapshot_id == snapshot_id)
    )
    return {p.user_id: (p.week_position, p.month_position, p.all_position) for p in rows}


def test_a_rebuild_switches_the_pointer_and_deletes_the_old_snapshot(db: Any) -> None:
    from portal.gamification.leaderboards.queries import get_snapshot

    rider = factories.make_user(is_publicly_listed=True, birth_year=1990)
    factories.credit(rider, factories.CYCLING, NOW - timedelta(hours=1), grams=50)
    first = build_leaderboards(NOW)
    assert get_snapshot().id == first.snapshot_id
    second = build_leaderboards(NOW + timedelta(minutes=15))
    snapshot = get_snapshot()
    assert snapshot.id == second.snapshot_id != first.snapshot_id
    assert snapshot.built_at == NOW + timedelta(minutes=15)
    old = select(func.count()).where(LeaderboardRow.snapshot_id == first.snapshot_id)
    assert session().scalar(old) == 0
    assert _positions(first.snapshot_id) == {}
    assert _positions(second.snapshot_id) == {rider.id: (1, 1, 1)}


def test_children_and_people_not_opted_in_are_in_totals_but_never_in_person_rows(
    db: Any,
) -> None:
    child = factories.make_user(birth_year=2015, is_publicly_listed=True)
    shy = factories.make_user(birth_year=1980, is_publicly_listed=False)
    listed = factories.make_user(birth_year=1980, is_publicly_listed=True)
    team = factories.make_team()
    for person in (child, shy, listed):
        factories.join(team, person)
    for person in (child, shy, listed):  # after joining: credited to the team
        factories.credit(person, factories.CYCLING, utcnow(), grams=100)
    build = build_leaderboards(utcnow() + timedelta(seconds=1))
    person_rows = (
        session()
        .scalars(
            select(LeaderboardRow).where(
                LeaderboardRow.snapshot_id == build.snapshot_id,
                LeaderboardRow.board == rules.PERSON,
            )
        )
        .all()
    )
    shown = {r.user_id for r in person_rows}
    assert listed.id in shown and child.id not in shown and shy.id not in shown
    assert all(may_be_listed(session().get(User, r.user_id)) for r in person_rows)
    team_row = session().scalar(
        select(LeaderboardRow).where(
            LeaderboardRow.snapshot_id == build.snapshot_id,
            LeaderboardRow.board == rules.TEAM,
            LeaderboardRow.period == rules.WEEK,
            LeaderboardRow.team_id == team.id,
        )
    )
    assert team_row is not None and team_row.grams >= 300 and team_row.participants >= 3
    city = session().scalar(
        select(LeaderboardRow.grams).where(
            LeaderboardRow.snapshot_id == build.snapshot_id,
            LeaderboardRow.board == rules.CITY,
            LeaderboardRow.period == rules.ALL,
        )
    )
    assert city is not None and city >= 300


def test_a_tie_goes_to_whoever_reached_the_score_first() -> None:
    early = rules.Entry(2, 100, NOW - timedelta(hours=2))
    late = rules.Entry(1, 100, NOW)
    same = rules.Entry(3, 100, NOW)
    assert [(p, r, e.key) for p, r, e in rules.ranked([late, same, early])] == [
        (1, 1, 2),
        (2, 2, 1),
        (3, 2, 3),
    ]
    assert rules.gap_to_next(90, 100) == 11 and rules.gap_to_next(90, None) is None
    assert rules.neighbour_positions(3, 100) == (1, 8)
    assert rules.period_start(rules.WEEK, NOW) == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
    assert rules.period_start(rules.MONTH, NOW) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
