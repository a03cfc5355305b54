"""Two transactions posting a notification with the same idempotency key at once, on
PostgreSQL (a retried job overlapping the first try): one notification, and neither fails.

The race is forced: a hook holds each thread at its INSERT until both are there. The threads
commit, so the test runs in a database of its own.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select

from portal.db import transaction
from portal.extensions import db
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.notifications.services import post
from tests import factories
from tests.conftest import needs_postgresql

pytestmark = needs_postgresql("SQLite lets one writer in at a time")


def test_two_racing_posts_with_one_key_write_one_notification(pg_app: Flask) -> None:
    with pg_app.app_context():
        user_id = factories.make_user().id
        db.session.commit()
        db.session.remove()
        engine = db.engine
    at_insert = threading.Barrier(2, timeout=30)

    def hold(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO notifications "):
            at_insert.wait()

    results: list[Any] = []

    def race() -> None:
        with pg_app.app_context():
            try:
                with transaction():
                    posted = post(user_id, kinds.POINTS_EXPIRING, {"points": 5}, key="expiry:1")
                    results.append(None if posted is None else posted.id)
            except BaseException as error:  # surfaced below
                results.append(error)
            finally:
                db.session.remove()

    event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=race) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    assert not any(t.is_alive() for t in threads)
    posted = [r for r in results if isinstance(r, int)]
    assert len(results) == 2 and len(posted) == 1 and results.count(None) == 1, results
    with pg_app.app_context():
        count = (
            select(func.count()).select_from(Notification).where(Notification.user_id == user_id)
        )
        assert db.session.scalar(count) == 1
        db.session.remove()
