"""A team with fewer free places than people trying to join, on PostgreSQL: 20 threads, each
with its own connection, join at once through a barrier. The team's row lock lets them in one
at a time, so exactly the free places are taken and the rest are told the team is full. A
second race: one person joining two teams of the same bracket at once gets one of them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.errors import Conflict
from portal.extensions import db
from portal.teams import queries, services
from portal.teams.models import TeamMembership
from tests import factories
from tests.conftest import needs_postgresql

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

THREADS = 20
LIMIT = 8  # the captain holds one place: seven are free


def _parallel(app: Flask, users: list[int], codes: list[str]) -> list[Any]:
    start = threading.Barrier(len(users), timeout=30)

    def run(n: int) -> Any:
        with app.app_context():
            start.wait()  # before taking a connection: the pool holds fewer than 20
            user = db.session.get(User, users[n])
            try:
                return services.join_team(actor=user, code=codes[n]).team_id
            except Conflict as refused:
                db.session.rollback()
                return refused
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(users)) as pool:
        return list(pool.map(run, range(len(users))))


def test_twenty_parallel_joins_stop_exactly_at_the_limit(pg_app: Flask) -> None:
    with pg_app.app_context():
        team = factories.make_team(size_limit=LIMIT)
        code = queries.get_current_invite(team.id).code  # type: ignore[union-attr]
        users = [factories.make_user().id for _ in range(THREADS)]
        team_id = team.id
        db.session.commit()
        db.session.remove()
    results = _parallel(pg_app, users, [code] * THREADS)
    joined = [r for r in results if r == team_id]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(joined) == LIMIT - 1
    assert len(refused) == THREADS - LIMIT + 1
    with force_locale("en"):
        assert {str(r.message) for r in refused} == {f"This team is full ({LIMIT} members)."}
    with pg_app.app_context():
        members = db.session.scalar(
            select(func.count())
            .select_from(TeamMembership)
            .where(TeamMembership.team_id == team_id, TeamMembership.left_at.is_(None))
        )
        assert members == LIMIT


def test_one_person_joining_two_teams_of_a_bracket_at_once_gets_one(pg_app: Flask) -> None:
    with pg_app.app_context():
        teams = [factories.make_team(), factories.make_team()]
        codes = [queries.get_current_invite(t.id).code for t in teams]  # type: ignore[union-attr]
        person = factories.make_user().id
        db.session.commit()
        db.session.remove()
    results = _parallel(pg_app, [person, person], codes)
    assert sum(isinstance(r, Conflict) for r in results) == 1
    with pg_app.app_context():
        open_rows = db.session.scalar(
            select(func.count())
            .select_from(TeamMembership)
            .where(TeamMembership.user_id == person, TeamMembership.left_at.is_(None))
        )
        assert open_rows == 1
