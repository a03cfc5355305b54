"""Two pooling runs at once on PostgreSQL: the methodology row lock puts one after the other,
so the month becomes one batch and every reduction one contribution."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.market.models import Batch, Contribution
from portal.market.pooling import pool_reductions
from portal.methodology.models import Methodology
from portal.methodology.services import seed_filed_methodologies
from tests import factories
from tests.conftest import needs_postgresql
from tests.factories.pooling import add_saleable

pytestmark = needs_postgresql("SQLite lets one writer in at a time")


def test_racing_runs_propose_the_month_once(pg_app: Flask) -> None:
    with pg_app.app_context():
        seed_filed_methodologies()
        hitch = db.session.scalars(select(Methodology).where(Methodology.code == "JLCH-TR-006"))
        add_saleable(
            factories.make_user(), hitch.one(), datetime(2026, 10, 9, tzinfo=UTC), [600_000] * 5
        )
        db.session.commit()
    results: list[Any] = []

    def run() -> None:
        with pg_app.app_context():
            try:
                results.append(
                    pool_reductions(
                        now=datetime(2026, 11, 20, tzinfo=UTC), delay_days=7, buffer_bp=500
                    ).batches
                )
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1]
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Batch)) == 1
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 5
