"""Pure rules about a person's age and guardian links: no database, no Flask.

Only the birth year is asked, so the age is known to within one year. Every rule here reads it
the protective way: the age is the years *surely* completed (the birthday may still be ahead
this year), so a child is never taken for older than they are: someone born in 2012 counts
as 13 all through 2026 and needs a guardian until 2027; a guardian born in 2008 counts as 17
in 2026 and may vouch from 2027. "Today" is the Asia/Shanghai day (``portal.clock``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, timedelta
from typing import Any, Final

from flask_babel import lazy_gettext as _l

MINOR_AGE: Final = 14  # under this, a guardian must agree (PIPL Art. 31)
ADULT_AGE: Final = 18  # a guardian is at least this old
OLDEST_AGE: Final = 120  # a birth year further back is a typing mistake
INVITATION_LIFETIME: Final = timedelta(days=7)
TOKEN_BYTES: Final = 32  # 256 random bits: a link nobody guesses
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def age(birth_year: int, today: date) -> int:
    """The whole years someone born in ``birth_year`` has surely completed on ``today``."""
    return max(today.year - birth_year - 1, 0)


def is_minor(birth_year: int | None, today: date) -> bool:
    """Under 14 on ``today``. An account with no birth year (opened before it was asked) is
    not taken for a minor."""
    return birth_year is not None and age(birth_year, today) < MINOR_AGE


def youngest_not_minor(today: date) -> int:
    """The latest birth year of someone not under 14 on ``today`` (as ``is_minor`` decides),
    for conditions written in SQL."""
    year = today.year
    while is_minor(year, today):
        year -= 1
    return year


def is_adult(birth_year: int | None, today: date) -> bool:
    """Surely 18 or over on ``today``; unknown is not adult."""
    return birth_year is not None and age(birth_year, today) >= ADULT_AGE


def birth_year_problem(birth_year: object, today: date) -> Any | None:
    """Why ``birth_year`` cannot be stored (a message in the reader's language), or None: a
    whole number, not after this year, not more than 120 years back."""
    if not isinstance(birth_year, int) or isinstance(birth_year, bool):
        return _l("Enter your year of birth as four digits, for example 2010.")
    if birth_year > today.year:
        return _l("The year of birth cannot be in the future.")
    if birth_year < today.year - OLDEST_AGE:
        return _l("Check the year of birth: it is more than 120 years ago.")
    return None


def new_token() -> str:
    """A fresh invitation token (43 URL-safe characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token(value: str) -> bool:
    """Whether ``value`` has the shape of a token (checked before any lookup)."""
    return bool(_TOKEN_SHAPE.fullmatch(value))


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256 in hex, so the table alone opens no link."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()
