"""Two callers issuing the same achievement at once, on PostgreSQL: both pass the "already
issued?" check, both insert; the unique idempotency key refuses the later insert and its caller
gets the certificate the first one issued, not an error and not a second certificate.

The race is forced as in test_unique_races: a hook holds each thread at its INSERT until both
have made their check. The threads commit, so the test runs in a database of its own.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.certificates.models import Certificate
from portal.extensions import db
from tests import factories
from tests.conftest import needs_postgresql
from tests.races import race_at_insert

pytestmark = needs_postgresql("SQLite lets one writer in at a time")


def test_racing_issues_of_one_achievement_give_one_certificate(pg_app: Flask) -> None:
    with pg_app.app_context():
        holder = factories.make_user().id
        db.session.commit()
        db.session.remove()

    def issue(thread: int) -> int:
        user = db.session.get(User, holder)
        return factories.make_certificate(user, idempotency_key="donation:race").id

    results = race_at_insert(pg_app, "certificates", issue)
    assert len(results) == 2 and all(isinstance(r, int) for r in results), results
    assert results[0] == results[1]
    with pg_app.app_context():
        count = select(func.count(Certificate.id)).where(
            Certificate.idempotency_key == "donation:race"
        )
        assert db.session.scalar(count) == 1
        db.session.remove()
