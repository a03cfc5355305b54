"""Pagination for every list page, on Flask-SQLAlchemy's ``SelectPagination``.

``paginate`` pages a select of one entity (items are objects); ``paginate_rows`` pages a select
of several (items are row tuples such as ``(record, methodology)``), which the library's own
``db.paginate`` cannot do because it keeps only the first column.
"""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from portal.db import session

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
