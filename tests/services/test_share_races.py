"""Eight clients pressing "Share" on one badge at once, on PostgreSQL: the award rows are
locked, so one share link is made and every caller gets it (the partial unique index is the
backstop). The threads commit, so the test runs in a database of its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.sharing.models import ShareLink
from portal.sharing.services import share_badge
from tests import factories
from tests.conftest import needs_postgresql

pytestmark = needs_postgresql("SQLite lets one writer in at a time")


def test_parallel_shares_of_one_badge_make_one_link(pg_app: Flask) -> None:
    with pg_app.app_context():
        holder = factories.make_user()
        factories.make_award(holder, "first_record", "bronze")
        holder_id = holder.id
        db.session.commit()
        db.session.remove()

    def share(_: int) -> str:
        with pg_app.app_context():
            try:
                return share_badge(actor_id=holder_id, badge_key="first_record").code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(share, range(8)))
    assert len(set(codes)) == 1, codes
    with pg_app.app_context():
        live = select(func.count(ShareLink.id)).where(
            ShareLink.user_id == holder_id, ShareLink.withdrawn_at.is_(None)
        )
        assert db.session.scalar(live) == 1
        db.session.remove()
