"""Time for the whole portal: the Asia/Shanghai zone, the UTC clock and local calendar bounds.

Times are stored in UTC and shown, capped and counted by the Asia/Shanghai calendar (a cap's
"day" is the Shanghai day). Every module that needs the zone, the current time or a local
day's bounds takes it from here, so the rule lives in one place. No Flask, no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, aware, in UTC (what every datetime column stores)."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in Asia/Shanghai."""
    return datetime.now(SHANGHAI).date()


def local_date(at: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    return at.astimezone(SHANGHAI).date()


def local_midnight(day: date) -> datetime:
    """The aware datetime of ``day``'s midnight in Asia/Shanghai."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def day_bounds(at: datetime) -> tuple[datetime, datetime]:
    """The half-open ``[start, end)`` of the Asia/Shanghai day holding ``at``."""
    start = local_midnight(local_date(at))
    return start, start + timedelta(days=1)


def next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def next_month(first: date) -> date:
    """The first day of the month after the one ``first`` is in."""
    years, month = divmod(first.month, 12)
    return date(first.year + years, month + 1, 1)


def next_year(first: date) -> date:
    return date(first.year + 1, 1, 1)


def bounds_utc(start: date, end: date) -> tuple[datetime, datetime]:
    """Local dates ``[start, end)`` as a half-open pair of aware UTC datetimes."""
    return local_midnight(start).astimezone(UTC), local_midnight(end).astimezone(UTC)
