"""Pure leaderboard rules: boards and periods, the Asia/Shanghai period bounds, who may be
the order (score, then who reached it first) and "me ± 5"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from portal.clock import bounds_utc, local_date, next_day, next_month

PERSON: Final = "person"
TEAM: Final = "team"
CITY: Final = "city"
DISTRICT: Final = "district"
BOARDS: Final = (PERSON, TEAM, CITY, DISTRICT)

WEEK: Final = "week"
MONTH: Final = "month"
ALL: Final = "all"
PERIODS: Final = (WEEK, MONTH, ALL)

MIN_TEAM_MEMBERS: Final = 3  # fewer and a per-capita figure could be one person's
NEIGHBOURS: Final = 5  # "me ± 5"


def period_start(period: str, now: datetime) -> datetime | None:
    """The UTC start of ``period`` holding ``now``: Monday 00:00 or the 1st 00:00 in Shanghai;
    None for all time."""
    today = local_date(now)
    if period == WEEK:
        first = today - timedelta(days=today.weekday())
    elif period == MONTH:
        first = today.replace(day=1)
    else:
        return None
    return bounds_utc(first, next_day(first))[0]


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """The UTC bounds of the Shanghai month starting on ``first``."""
    return bounds_utc(first, next_month(first))


@dataclass(frozen=True)
class Entry:
    """A subject's score before ranking: ``reached_at`` is when it reached the score (its last
    counted reduction), ``key`` the subject's id, the last tie-break."""

    key: int
    score: int
    reached_at: datetime | None


def order_key(entry: Entry) -> tuple[int, datetime, int]:
    """Higher score first; on a tie whoever reached it first; then the lower id."""
    return (-entry.score, entry.reached_at or datetime.max.replace(tzinfo=None), entry.key)


def ranked(entries: Sequence[Entry]) -> list[tuple[int, int, Entry]]:
    """``(position, rank, entry)`` in board order: positions 1, 2, 3 …; ranks as SQL RANK()
    over (score, reached_at) — equal only for the same score reached at the same instant."""
    ordered = sorted(entries, key=order_key)
    result: list[tuple[int, int, Entry]] = []
    for position, entry in enumerate(ordered, start=1):
        previous = result[-1] if result else None
        same = previous is not None and (previous[2].score, previous[2].reached_at) == (
            entry.score,
            entry.reached_at,
        )
        result.append((position, previous[1] if same and previous else position, entry))
    return result


def neighbour_positions(position: int, last: int) -> tuple[int, int]:
    """The first and last position of "me ± 5" around ``position`` on a board of ``last``."""
    return max(1, position - NEIGHBOURS), min(last, position + NEIGHBOURS)


def gap_to_next(my_score: int, next_score: int | None) -> int | None:
    """Grams more to pass the place above (a tie goes to whoever got there first, so one more
    than the difference); None at the top."""
    return None if next_score is None else next_score - my_score + 1
