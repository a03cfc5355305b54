"""A citizen's records and reductions page by key (occurred_at, id), newest first: every row
exactly once in a stable order, walking older and back newer, without OFFSET or COUNT, with the
links in both languages; a garbled bookmark shows the first page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, insert, select

from portal.activities import queries
from portal.activities.models import BehaviorRecord, Reduction
from portal.activities.quantify import quantify_pending
from portal.pagination import KeysetPage
from tests import factories

START = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
TIMES, SAME_TIME = 15, 3  # 45 records, three at each time: the id orders those


@contextmanager
def statements(db: Any) -> Iterator[list[str]]:
    """The SQL sent on the test's connection meanwhile, each statement with an ``OFFSET 0``
    taken out (SQLite's dialect writes one after every LIMIT)."""
    seen: list[str] = []
    connection = db.session.connection()

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_args: Any) -> None:
        if sql.rstrip().endswith("OFFSET ?") and params and params[-1] == 0:
            sql = sql.rstrip().removesuffix("OFFSET ?")
        seen.append(sql)

    event.listen(connection, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", capture)


def _seed(db: Any, methodologies: Any) -> int:
    """A citizen with 45 quantified 3 km rides, three at each of 15 times; returns their id."""
    citizen = factories.make_user()
    db.session.execute(
        insert(BehaviorRecord),
        [
            factories.record_row(
                citizen.id, methodologies["JLCH-TR-003"].id, START + timedelta(days=n // SAME_TIME)
            )
            for n in range(TIMES * SAME_TIME)
        ],
    )
    quantify_pending(points_per_kg=1000)
    return citizen.id


def _walk(list_page: Callable[[str], KeysetPage], start: str, way: str) -> list[list[int]]:
    """Pages from ``start`` following ``way`` ("older" or "newer") to the end: each page's ids."""
    pages, bookmark = [], start
    while True:
        page = list_page(bookmark)
        pages.append([row[0].id for row in page.items])
        following = getattr(page, way)
        if following is None:
            return pages
        bookmark = following


def _expected(db: Any, model: Any, user_id: int) -> list[int]:
    rows = db.session.execute(
        select(model.id).where(model.user_id == user_id).order_by(model.occurred_at, model.id)
    )
    return [row_id for (row_id,) in rows][::-1]


def test_every_row_once_in_a_stable_order_both_ways(db: Any, methodologies: Any) -> None:
    user_id = _seed(db, methodologies)
    for list_page, model in (
        (lambda b: queries.list_records(user_id, b), BehaviorRecord),
        (lambda b: queries.list_reductions(user_id, b), Reduction),
    ):
        expected = _expected(db, model, user_id)
        assert len(expected) == TIMES * SAME_TIME
        with statements(db) as sql:
            older = _walk(list_page, "", "older")
        assert [len(page) for page in older] == [20, 20, 5]
        assert [row_id for page in older for row_id in page] == expected
        assert not any(re.search(r"\b(OFFSET|count\()", s, re.IGNORECASE) for s in sql), sql
        # From the last page back to the first by the newer links: the same pages, reversed.
        last = list_page("")
        while last.older:
            last = list_page(last.older)
        assert last.newer is not None
        newer = _walk(list_page, last.newer, "newer")
        assert newer == older[-2::-1]
        assert list_page("").newer is None  # the newest page has nothing newer


def _links(text: str) -> dict[str, str]:
    return {
        rel: html.unescape(href)
        for rel, href in re.findall(r'rel="(prev|next)" href="([^"]+)"', text)
    }


def test_links_in_both_languages_and_bad_bookmarks(
    client: FlaskClient, db: Any, methodologies: Any
) -> None:
    user_id = _seed(db, methodologies)
    factories.log_in(client, db.session.get(factories.User, user_id))
    for path in ("/me/records", "/me/reductions"):
        first = client.get(path, headers={"Accept-Language": "en"}).text
        assert "Older" in first and "Newer" not in first
        older = _links(first)["next"]
        second = client.get(older, headers={"Accept-Language": "zh-CN"}).text
        assert "较早" in second and "较新" in second
        links = _links(second)
        assert set(links) == {"prev", "next"}
        with statements(db) as sql:
            assert client.get(links["next"]).status_code == 200
        # The list pages by key; the bell's unread count, bounded by LIMIT, is the only other
        # statement SQLite writes with an OFFSET (0).
        lists = [s for s in sql if "FROM notifications" not in s]
        assert not any("OFFSET" in s.upper() for s in lists)
        for bookmark in ("500", ">s:x~i:1", ">dt:2026-11-01T01:00:00~i:1", ">i:-1~i:1", "<"):
            answer = client.get(path, query_string={"page": bookmark})
            assert answer.status_code == 200, bookmark
            assert _links(answer.text).keys() == {"next"}, bookmark  # the first page
