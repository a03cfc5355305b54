"""Marking an event neutral from many threads at once, on PostgreSQL: the event row lock makes
one of them issue the certificate and every other return that same certificate; and two
organisers calculating at once get consecutive versions, never the same one twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.certificates.models import Certificate
from portal.errors import Conflict
from portal.extensions import db
from portal.market.events import queries, services
from portal.market.events.models import EventFootprint
from portal.methodology.services import seed_filed_methodologies
from tests import factories
from tests.conftest import needs_postgresql
from tests.factories.market import make_issued_batch

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

THREADS = 8


def test_parallel_marking_issues_one_certificate(pg_app_per_test: Flask) -> None:
    app = pg_app_per_test
    with app.app_context():
        seed_filed_methodologies()
        make_issued_batch(issued_tonnes=5)
        user, org = factories.make_organiser()
        event = factories.make_event(user, org)
        services.calculate_footprint(actor=user, event_id=event.id, inputs={"meals": "100"})
        factories.retire_for_event(org, user, event.id, 1)
        event_id = event.id
        db.session.remove()

    def run(_thread: int) -> Any:
        with app.app_context():
            try:
                cert = services.mark_neutral_if_covered(event_id)
                return None if cert is None else cert.id
            finally:
                db.session.remove()

    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(run, range(THREADS)))
    with app.app_context():
        assert len(set(ids)) == 1 and ids[0] is not None
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
        assert queries.get_event(event_id).certificate_id == ids[0]  # type: ignore[union-attr]


def test_parallel_calculations_number_their_versions(pg_app_per_test: Flask) -> None:
    app = pg_app_per_test
    with app.app_context():
        user, org = factories.make_organiser()
        event_id = factories.make_event(user, org).id
        user_id = user.id
        db.session.remove()

    def run(thread: int) -> Any:
        with app.app_context():
            try:
                actor = db.session.get(factories.User, user_id)
                row = services.calculate_footprint(
                    actor=actor, event_id=event_id, inputs={"meals": str(thread + 1)}
                )
                return row.version
            except Conflict as error:
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(THREADS) as pool:
        versions = list(pool.map(run, range(THREADS)))
    with app.app_context():
        stored = db.session.scalars(
            select(EventFootprint.version).where(EventFootprint.event_id == event_id)
        ).all()
    assert sorted(versions) == sorted(stored) == list(range(1, THREADS + 1))
