"""Who may have public share pages, and what a share code looks like. Pure: no database."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime
from typing import Protocol

from portal.accounts.rules import is_minor

CODE_BYTES = 16  # 128 random bits
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


class Holder(Protocol):
    deleted_at: datetime | None
    birth_year: int | None


def may_share(user: Holder, today: date) -> bool:
    """Whether ``user`` may have public share pages at all: asked when a share is created and
    again every time a share page or poster is read, so a share stops being public the moment
    this turns False: a deleted account, and anyone under 14 on ``today`` (Asia/Shanghai), by
    the accounts domain's rule (``accounts.rules.is_minor``), whatever they chose."""
    return user.deleted_at is None and not is_minor(user.birth_year, today)


def new_share_code() -> str:
    """A fresh unguessable share code (22 URL-safe characters)."""
    return secrets.token_urlsafe(CODE_BYTES)


def is_share_code(code: str) -> bool:
    """Whether ``code`` is shaped like a share code (checked before any database read)."""
    return CODE_PATTERN.fullmatch(code) is not None
