"""The page number a list view reads from its query string."""

from __future__ import annotations

from flask import request


def page_arg() -> int:
    """The ?page= of a list: 1 when absent or not a number; pagination clamps the rest."""
    return request.args.get("page", 1, type=int) or 1


def bookmark_arg() -> str:
    """The ?page= of a list paged by key: a bookmark from its newer/older links ("" when
    absent); the query checks it and shows the first page for anything else."""
    return request.args.get("page", "")[:200]


MAX_ID = 2**63 - 1  # the largest BIGINT id; a bound past it is refused by the database


def before_arg() -> int | None:
    """The ?before= of a "load more" list (an id to go on below): None for the first page when
    absent, not a number or beyond any id; 0 (an empty page) for anything below 1."""
    before = request.args.get("before", type=int)
    if before is None or before > MAX_ID:
        return None
    return max(before, 0)
