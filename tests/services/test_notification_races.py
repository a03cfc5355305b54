"""Two transactions posting a notification with the same idempotency key at once, on
PostgreSQL (a retried job overlapping the first try): one notification, and neither fails.

The race is forced: a hook holds each thread at its INSERT until both are there. The threads
commit, so the test runs in a database of its own.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from portal.db import transaction
from portal.extensions import db
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.notifications.services import post
from tests import factories
from tests.conftest import needs_postgresql
from tests.races import race_at_insert

pytestmark = needs_postgresql("SQLite lets one writer in at a time")


def test_two_racing_posts_with_one_key_write_one_notification(pg_app: Flask) -> None:
    with pg_app.app_context():
        user_id = factories.make_user().id
        db.session.commit()
        db.session.remove()

    def post_once(thread: int) -> int | None:
        with transaction():
            posted = post(user_id, kinds.POINTS_EXPIRING, {"points": 5}, key="expiry:1")
            return None if posted is None else posted.id

    results = race_at_insert(pg_app, "notifications", post_once)
    posted = [r for r in results if isinstance(r, int)]
    assert len(results) == 2 and len(posted) == 1 and results.count(None) == 1, results
    with pg_app.app_context():
        count = (
            select(func.count()).select_from(Notification).where(Notification.user_id == user_id)
        )
        assert db.session.scalar(count) == 1
        db.session.remove()
