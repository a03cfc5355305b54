"""Campaign rules, pure (no database, no Flask): what a campaign's figures may be, its phase at a
given time, which records count, and the bonus a record earns.

A multiplier is a whole percentage above 100 (150 = ×1.5): the bonus of a record is its base
points × (multiplier − 100) / 100, rounded down, then held to what is left of the person's cap
and of the campaign's budget. Points only: the grams of a reduction are never multiplied.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from flask_babel import lazy_gettext as _l

from portal.errors import InvalidInput

MIN_PERCENT: Final = 101  # a multiplier must add something
MAX_PERCENT: Final = 500  # ×5: beyond this a campaign would swamp the methodologies' own points
MAX_CAP_POINTS: Final = 100_000  # per person and campaign
MAX_GRACE_HOURS: Final = 14 * 24  # partner data arrives within days, not weeks
MAX_DAYS: Final = 92  # a campaign is a season at most
MAX_FUNDING_POINTS: Final = 100_000_000  # one funding posting


class Phase(enum.StrEnum):
    UPCOMING = "upcoming"
    RUNNING = "running"
    GRACE = "grace"  # ended; late data of its window still counts
    ENDED = "ended"


class Outcome(enum.StrEnum):
    """Why a counted record's bonus is what it is (stored as a code)."""

    PAID = "paid"  # the whole bonus
    CAPPED = "capped"  # held to what was left of the person's cap
    BUDGET = "budget"  # held to what was left of the budget (the budget ran out)


@dataclass(frozen=True)
class Window:
    starts_at: datetime  # aware, inclusive
    ends_at: datetime  # aware, exclusive
    grace_hours: int

    @property
    def counts_until(self) -> datetime:
        """The last moment a record of the window may be quantified and still count."""
        return self.ends_at + timedelta(hours=self.grace_hours)

    def phase(self, now: datetime) -> Phase:
        if now < self.starts_at:
            return Phase.UPCOMING
        if now < self.ends_at:
            return Phase.RUNNING
        return Phase.GRACE if now <= self.counts_until else Phase.ENDED

    def counts(self, occurred_at: datetime, quantified_at: datetime) -> bool:
        """Whether a record done at ``occurred_at`` and quantified at ``quantified_at`` counts:
        done inside the window, and quantified by the end of the grace window."""
        return self.starts_at <= occurred_at < self.ends_at and quantified_at <= self.counts_until


def bonus_points(base_points: int, percent: int) -> int:
    """The extra points ``percent`` adds to ``base_points``, rounded down (never negative)."""
    if base_points <= 0:
        return 0
    return base_points * (percent - 100) // 100


@dataclass(frozen=True)
class Award:
    points: int
    outcome: Outcome


def award(bonus: int, cap_left: int, budget_left: int) -> Award:
    """What is paid of ``bonus`` given what is left of the person's cap and of the budget; the
    budget wins when both hold it back (it is what stops everybody's bonuses)."""
    paid = max(0, min(bonus, cap_left, budget_left))
    if paid == bonus:
        return Award(paid, Outcome.PAID)
    return Award(paid, Outcome.BUDGET if budget_left < min(bonus, cap_left) else Outcome.CAPPED)


def check_window(window: Window) -> None:
    """InvalidInput naming the field when the dates are reversed, too long or the grace odd."""
    if window.ends_at <= window.starts_at:
        raise InvalidInput(_l("The campaign must end after it starts."), field="ends_at")
    if window.ends_at - window.starts_at > timedelta(days=MAX_DAYS):
        raise InvalidInput(
            _l("A campaign lasts at most %(days)s days.", days=MAX_DAYS), field="ends_at"
        )
    if not 0 <= window.grace_hours <= MAX_GRACE_HOURS:
        raise InvalidInput(
            _l("The grace window is 0 to %(hours)s hours.", hours=MAX_GRACE_HOURS),
            field="grace_hours",
        )


def check_multipliers(percents: Mapping[str, int], scenarios: frozenset[str]) -> None:
    """InvalidInput unless every multiplier names a known scenario and lies within bounds."""
    if not percents:
        raise InvalidInput(_l("Give at least one scenario a multiplier."), field="multipliers")
    for scenario, percent in percents.items():
        if scenario not in scenarios:
            raise InvalidInput(
                _l("Unknown scenario: %(code)s.", code=scenario), field="multipliers"
            )
        if isinstance(percent, bool) or not isinstance(percent, int):
            raise InvalidInput(_l("A multiplier is a whole percentage."), field="multipliers")
        if not MIN_PERCENT <= percent <= MAX_PERCENT:
            raise InvalidInput(
                _l(
                    "A multiplier is %(low)s%% to %(high)s%% (%(code)s has %(value)s%%).",
                    low=MIN_PERCENT,
                    high=MAX_PERCENT,
                    code=scenario,
                    value=percent,
                ),
                field=f"m_{scenario}",
            )


def whole_points(value: object, field: str, high: int) -> int:
    """``value`` as whole points from 1 to ``high``; InvalidInput naming ``field`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise InvalidInput(_l("Enter whole points from 1 to %(high)s.", high=high), field=field)
    return value
