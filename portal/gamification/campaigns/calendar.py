"""The themed-day calendar: each themed day of ``data/themed_days.yaml`` and its dates in a
given year, from the announcement recorded for that year or, failing one, from the day's rule.

Pure: no database, no Flask. Days that move every year (全国低碳日, 全国节能宣传周) have no
rule: for a year with no recorded announcement ``occurrence`` returns None and the operator types
the dates in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml
from dateutil.easter import easter

from portal.clock import SHANGHAI

DATA_FILE: Final = Path(__file__).resolve().parent.parent / "data" / "themed_days.yaml"
SATURDAY: Final = 5


@dataclass(frozen=True)
class Occurrence:
    """One year's dates of a themed day: local dates (inclusive), local times when not the
    whole day, and where the dates come from (an announcement's address, or the rule's)."""

    first: date
    last: date
    source: str
    starts: time = time.min
    ends: time | None = None  # None: to the end of ``last``
    is_announced: bool = True

    def bounds(self) -> tuple[datetime, datetime]:
        """Start and end as aware Asia/Shanghai datetimes, the end exclusive."""
        start = datetime.combine(self.first, self.starts, tzinfo=SHANGHAI)
        if self.ends is None:
            return start, datetime.combine(self.last + timedelta(days=1), time.min, SHANGHAI)
        return start, datetime.combine(self.last, self.ends, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class ThemedDay:
    key: str
    name_zh: str
    name_en: str
    rule_zh: str
    rule_en: str
    source_title: str
    source_url: str
    computed: Mapping[str, Any]
    announced: Mapping[int, Occurrence]

    def occurrence(self, year: int) -> Occurrence | None:
        """The day's dates in ``year``: the recorded announcement, else the rule's, else None."""
        if year in self.announced:
            return self.announced[year]
        return _computed(self.computed, year, self.source_url)


def _clock(value: Any) -> time:
    hours, minutes = str(value).split(":")
    return time(int(hours), int(minutes))


def _computed(rule: Mapping[str, Any], year: int, source: str) -> Occurrence | None:
    kind = rule.get("kind")
    if kind == "fixed":
        day = date(year, int(rule["month"]), int(rule["day"]))
        return Occurrence(day, day, source, is_announced=False)
    if kind == "earth_hour":
        day = last_saturday_of_march(year)
        if day == easter(year) - timedelta(days=1):
            day -= timedelta(days=7)
        return Occurrence(
            day, day, source, _clock(rule["from"]), _clock(rule["to"]), is_announced=False
        )
    return None


def last_saturday_of_march(year: int) -> date:
    last = date(year, 3, 31)
    return last - timedelta(days=(last.weekday() - SATURDAY) % 7)


def _occurrence(entry: Mapping[str, Any]) -> Occurrence:
    first, last = entry["first"], entry["last"]
    if not isinstance(first, date) or not isinstance(last, date) or last < first:
        raise ValueError(f"themed day dates {entry!r}: first and last must be dates, in order")
    if first.year != int(entry["year"]):
        raise ValueError(f"themed day dates {entry!r}: first is not in its year")
    if not str(entry.get("source", "")).startswith(("http://", "https://")):
        raise ValueError(f"themed day dates {entry!r}: every date needs its source")
    return Occurrence(
        first,
        last,
        str(entry["source"]),
        _clock(entry["from"]) if "from" in entry else time.min,
        _clock(entry["to"]) if "to" in entry else None,
    )


def parse_themed_days(data: Mapping[str, Any]) -> tuple[ThemedDay, ...]:
    """The themed days of a parsed data file; ValueError for a malformed entry."""
    days = []
    for entry in data["themed_days"]:
        announced = [_occurrence(d) for d in entry.get("dates", ())]
        by_year = {o.first.year: o for o in announced}
        if len(by_year) != len(announced):
            raise ValueError(f"themed day {entry['key']}: one announcement per year")
        days.append(
            ThemedDay(
                key=str(entry["key"]),
                name_zh=str(entry["name"]["zh"]),
                name_en=str(entry["name"]["en"]),
                rule_zh=str(entry["rule"]["zh"]),
                rule_en=str(entry["rule"]["en"]),
                source_title=str(entry["source"]["title"]),
                source_url=str(entry["source"]["url"]),
                computed=dict(entry.get("computed") or {}),
                announced=by_year,
            )
        )
    if len({d.key for d in days}) != len(days):
        raise ValueError("themed day keys must be unique")
    return tuple(days)


@cache
def load_themed_days() -> tuple[ThemedDay, ...]:
    """The themed days of ``data/themed_days.yaml`` (read once)."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return parse_themed_days(yaml.safe_load(handle))


def get_themed_day(key: str) -> ThemedDay | None:
    return next((d for d in load_themed_days() if d.key == key), None)
