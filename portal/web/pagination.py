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
