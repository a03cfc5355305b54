"""Shape rules of merchant input, shared by the application and offer services: plain texts of
bounded length, cities of Jilin, whole numbers in range. Each returns the stored value or raises
InvalidInput naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.accounts.regions import CITIES, CITY_BY_CODE
from portal.errors import InvalidInput
from portal.text import text_problem

MAX_POINTS_COST = 1_000_000
MAX_INVENTORY = 1_000_000
MAX_PER_PERSON = 100
TERMS_MAX = 2000


def plain_text(value: str, field: str, max_length: int, *, multiline: bool = False) -> str:
    """``value`` stripped: required, plain (``portal.text``), at most ``max_length`` long."""
    text = (value or "").strip()
    problem = text_problem(text, multiline=multiline)
    if problem is not None:
        raise InvalidInput(problem, field=field)
    if not text:
        raise InvalidInput(_l("This field is required."), field=field)
    if len(text) > max_length:
        raise InvalidInput(
            _l("At most %(count)s characters, please.", count=max_length), field=field
        )
    return text


def city_codes(codes: Iterable[str], field: str, *, allow_all: bool) -> list[str]:
    """The chosen cities of Jilin in the regions table's order, without repeats. Empty means
    every city where ``allow_all``; otherwise at least one is required."""
    chosen = set(codes)
    if chosen - set(CITY_BY_CODE):
        raise InvalidInput(_l("Choose cities or prefectures of Jilin."), field=field)
    if not chosen and not allow_all:
        raise InvalidInput(_l("Choose at least one city or prefecture."), field=field)
    return [city.code for city in CITIES if city.code in chosen]


def whole_number(value: Any, field: str, low: int, high: int) -> int:
    """``value`` as an int from ``low`` to ``high``: no fraction, no bool, no text."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Enter a whole number."), field=field)
    if not low <= value <= high:
        raise InvalidInput(
            _l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high), field=field
        )
    return value
