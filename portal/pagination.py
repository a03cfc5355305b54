"""Pagination for every list page.

``paginate`` pages a select of one entity (items are objects) and ``paginate_rows`` a select
of several (items are row tuples such as ``(record, methodology)``, which the library's own
``db.paginate`` cannot do because it keeps only the first column), both on Flask-SQLAlchemy's
``SelectPagination``: numbered pages, an OFFSET and a COUNT, for lists whose length stays
within what an official or admin reads.

``keyset_page`` pages by key (sqlakeyset), for lists that grow without bound — a citizen's
records and reductions: each page starts from the key of the row before it, so page 500 costs
what page 1 does, with no OFFSET and no COUNT; the links go to newer and older rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlakeyset import InvalidPage, select_page, unserialize_bookmark
from sqlalchemy import Select

from portal.db import MAX_ROW_ID, session

AnySelect = Select[*tuple[Any, ...]]

PER_PAGE = 20
# Pages beyond this are past the end of any list here; a bigger number from the query string
# would make an OFFSET the database cannot hold (a 64-bit integer), so it is read as this one.
LAST_PAGE = 10**9


def _page(page: int) -> int:
    return min(max(page, 1), LAST_PAGE)


class RowPagination(SelectPagination):
    def _query_items(self) -> list[Any]:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return [tuple(row) for row in self._query_args["session"].execute(stmt)]


def paginate(stmt: AnySelect, page: int, per_page: int = PER_PAGE) -> Pagination:
    """One page of a single-entity select; a page past the end (however far) is empty, not an
    error."""
    return SelectPagination(
        select=stmt, session=session(), page=_page(page), per_page=per_page, error_out=False
    )


def paginate_rows(stmt: AnySelect, page: int, per_page: int = PER_PAGE) -> Pagination:
    """One page of a multi-entity select; items are tuples in the select's column order."""
    return RowPagination(
        select=stmt, session=session(), page=_page(page), per_page=per_page, error_out=False
    )


@dataclass(frozen=True)
class KeysetPage:
    """One page by key: its rows (tuples in the select's column order) and the bookmarks of
    the pages of newer and older rows (None where there are none)."""

    items: list[tuple[Any, ...]]
    newer: str | None
    older: str | None


def _is_key(value: object, kind: type) -> bool:
    if kind is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ROW_ID
    return isinstance(value, kind)


def _marker(bookmark: str, key_types: tuple[type, ...]) -> str | None:
    """``bookmark`` if it names a key of ``key_types``; None (the first page) if it is
    anything else, so a garbled or hand-made link shows the newest rows, never an error."""
    try:
        place = unserialize_bookmark(bookmark).place
    except (InvalidPage, ValueError, OverflowError):
        return None
    if place is None or len(place) != len(key_types):
        return None
    if not all(_is_key(value, kind) for value, kind in zip(place, key_types, strict=True)):
        return None
    return bookmark


def keyset_page(
    stmt: AnySelect, bookmark: str, key_types: tuple[type, ...], per_page: int = PER_PAGE
) -> KeysetPage:
    """One page of ``stmt`` — whose ORDER BY must end in a unique column, so every row has
    its own key — from ``bookmark`` (a page's ``newer`` or ``older``; "" for the first).
    ``key_types`` are the Python types of the ORDER BY columns, checked on the bookmark."""
    page = select_page(session(), stmt, per_page=per_page, page=_marker(bookmark, key_types))
    paging = page.paging
    return KeysetPage(
        items=[tuple(row) for row in page],
        newer=paging.bookmark_previous if paging.has_previous else None,
        older=paging.bookmark_next if paging.has_next else None,
    )
