"""Team challenges under real parallel clients on PostgreSQL: two finalisation runs at once
write one snapshot, one winner row, badge and certificate each and one notification each; two
captains challenging one team for the same days at once get one challenge between them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.certificates.models import Certificate
from portal.clock import local_today
from portal.errors import Conflict
from portal.extensions import db
from portal.notifications.models import Notification
from portal.teams.pk import finalisation, rules, services
from portal.teams.pk.models import ChallengeWinner, TeamChallenge
from tests import factories
from tests.conftest import needs_postgresql

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

DAY = timedelta(days=1)


def _parallel(app: Flask, calls: list[Any]) -> list[Any]:
    start = threading.Barrier(len(calls), timeout=30)

    def run(n: int) -> Any:
        with app.app_context():
            start.wait()
            try:
                return calls[n]()
            except Conflict as refused:
                db.session.rollback()
                return refused
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, range(len(calls))))


def _count(model: Any, *where: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_two_finalisation_runs_at_once_award_once(pg_app: Flask) -> None:
    with pg_app.app_context():
        host, rival = factories.make_team(), factories.make_team()
        member = factories.join(host)
        challenge = factories.shift(factories.make_duel(host, rival), 10 * DAY)
        row = factories.add_reduction(member, 800)
        row.occurred_at = challenge.ends_at - DAY
        row.created_at = challenge.ends_at
        challenge_id = challenge.id
        db.session.commit()
        db.session.remove()
    runs = _parallel(pg_app, [finalisation.finalise_due, finalisation.finalise_due])
    assert sorted(r.challenges for r in runs) == [0, 1]
    assert sum(r.certificates for r in runs) == 2
    with pg_app.app_context():
        assert db.session.get(TeamChallenge, challenge_id).status == rules.FINAL  # type: ignore[union-attr]
        assert _count(ChallengeWinner, ChallengeWinner.challenge_id == challenge_id) == 2
        assert _count(Certificate, Certificate.kind == "team_challenge") == 2
        assert _count(Notification, Notification.kind == "challenge_finished") == 3


def test_two_captains_challenging_one_team_for_the_same_days_get_one(pg_app: Flask) -> None:
    with pg_app.app_context():
        rival = factories.make_team()
        hosts = [factories.make_team(), factories.make_team()]
        ids = [(h.id, h.captain_id) for h in hosts]
        rival_id = rival.id
        db.session.commit()
        db.session.remove()
    first = local_today() + DAY
    terms = services.Terms(rules.PER_CAPITA, None, first, first + 6 * DAY)

    def propose(team_id: int, captain_id: int) -> Any:
        return lambda: (
            services.propose_duel(
                actor=db.session.get(User, captain_id),  # type: ignore[arg-type]
                team_id=team_id,
                rival_id=rival_id,
                terms=terms,
            ).id
        )

    results = _parallel(pg_app, [propose(*pair) for pair in ids])
    assert sum(isinstance(r, Conflict) for r in results) == 1
    with pg_app.app_context():
        assert _count(TeamChallenge, TeamChallenge.host_team_id.in_([i for i, _ in ids])) == 1
