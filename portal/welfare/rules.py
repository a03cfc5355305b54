"""Pure rules of public welfare: who may donate when, and what a donation amount may be."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.errors import Conflict, InvalidInput

MAX_GOAL_POINTS = 1_000_000_000
MAX_DONATION_POINTS = 1_000_000_000
# secrets.token_urlsafe(24): 32 URL-safe characters; a shorter or odd token is refused.
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def donation_points(value: Any) -> int:
    """``value`` as the whole points of a donation: at least 1, no fraction, bool or text."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Enter a whole number of points."), field="points")
    if not 1 <= value <= MAX_DONATION_POINTS:
        raise InvalidInput(
            _l("Donate from 1 to %(high)s points.", high=MAX_DONATION_POINTS), field="points"
        )
    return value


def refusal(status: str, starts_on: date, ends_on: date, today: date) -> Conflict | None:
    """Why a project with this status and these dates takes no donation today, or None."""
    if status != "open":
        return Conflict(_l("This project is not taking donations."))
    if today < starts_on:
        return Conflict(_l("This project opens for donations on %(day)s.", day=starts_on))
    if today > ends_on:
        return Conflict(_l("This project stopped taking donations on %(day)s.", day=ends_on))
    return None


def progress_permille(raised_points: int, goal_points: int) -> int:
    """Tenths of a percent of the goal raised, rounded down and capped at 1000, so that a
    project a little way along shows 0.9% rather than 0% (the text says the points too)."""
    return min(1000, raised_points * 1000 // goal_points) if goal_points > 0 else 0
