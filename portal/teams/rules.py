"""Pure rules of teams: which kinds and brackets exist and fit together, the shape of names and
size limits, and the interval arithmetic that decides which reductions a team is credited with.
No database, no Flask; unit-tested on their own.

A membership is the half-open interval ``[joined_at, left_at)`` (``left_at`` None while open):
a reduction that occurred at the joining instant counts, one at the leaving instant does not,
so leaving at ``t`` and rejoining at ``t`` loses and doubles nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.errors import InvalidInput
from portal.text import text_problem

SCHOOL, CLASS, VOLUNTEER, COMMUNITY, COMPANY = (
    "school",
    "class",
    "volunteer",
    "community",
    "company",
)
KINDS = (SCHOOL, CLASS, VOLUNTEER, COMMUNITY, COMPANY)
SCHOOL_BRACKETS = ("primary", "junior", "senior", "university")  # 小学 初中 高中 高校
BRACKETS = (*SCHOOL_BRACKETS, "volunteer", "community", "company")  # … 志愿队 社区 企业
# The one bracket of each kind that is not a school level.
BRACKET_OF_KIND = {VOLUNTEER: "volunteer", COMMUNITY: "community", COMPANY: "company"}

NAME_MAX = 40
MIN_SIZE = 2
MAX_SIZE = 3000  # a large school's direct members; classes hold their own
DEFAULT_SIZE = {SCHOOL: 500, CLASS: 60, VOLUNTEER: 100, COMMUNITY: 300, COMPANY: 300}


def team_name(value: Any) -> str:
    """A team name, stripped: required, plain text, at most ``NAME_MAX`` characters."""
    name = value.strip() if isinstance(value, str) else ""
    problem = text_problem(name)
    if problem is not None:
        raise InvalidInput(problem, field="name")
    if not name:
        raise InvalidInput(_l("Give the team a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            _l("A team name has at most %(count)s characters.", count=NAME_MAX), field="name"
        )
    return name


def size_limit(value: Any) -> int:
    """A team's size limit: a whole number from ``MIN_SIZE`` to ``MAX_SIZE`` members."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Enter the size limit as a whole number."), field="size_limit")
    if not MIN_SIZE <= value <= MAX_SIZE:
        raise InvalidInput(
            _l("A team holds from %(low)s to %(high)s members.", low=MIN_SIZE, high=MAX_SIZE),
            field="size_limit",
        )
    return value


def bracket_for(kind: str, chosen: str | None, parent_bracket: str | None) -> str:
    """The bracket a new team of ``kind`` is in: a school's chosen school level, its school's
    for a class, fixed for the other kinds. InvalidInput for a kind or level that does not fit."""
    if kind not in KINDS:
        raise InvalidInput(_l("Choose a kind of team."), field="kind")
    if kind == CLASS:
        if parent_bracket is None:
            raise InvalidInput(_l("A class belongs to a school: choose one."), field="parent_id")
        return parent_bracket
    if kind == SCHOOL:
        if chosen not in SCHOOL_BRACKETS:
            raise InvalidInput(
                _l("Choose the school's level: primary, junior or senior high, or university."),
                field="bracket",
            )
        return chosen
    return BRACKET_OF_KIND[kind]


def slot_for(kind: str, bracket: str) -> str:
    """The slot a membership of a team takes: a class's is apart from its school's, so a person
    may be in one school and one class of that school at once."""
    return f"{bracket}:class" if kind == CLASS else bracket


@dataclass(frozen=True)
class Interval:
    """One membership of ``user_id``: ``[start, end)``, ``end`` None while open."""

    user_id: int
    start: datetime
    end: datetime | None


def credit_windows(
    intervals: Iterable[Interval], since: datetime | None, until: datetime
) -> list[Interval]:
    """Each person's intervals clipped to ``[since, until)`` and merged where they overlap or
    touch, sorted by person and start: disjoint windows, so a person in a school and in one of
    its classes at once, or leaving and rejoining at one instant, is credited once."""
    by_user: defaultdict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for item in intervals:
        start = item.start if since is None else max(item.start, since)
        end = until if item.end is None else min(item.end, until)
        if start < end:
            by_user[item.user_id].append((start, end))
    windows: list[Interval] = []
    for user_id in sorted(by_user):
        merged: list[list[datetime]] = []
        for start, end in sorted(by_user[user_id]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        windows.extend(Interval(user_id, start, end) for start, end in merged)
    return windows


def is_credited(windows: Iterable[Interval], user_id: int, at: datetime) -> bool:
    """Whether a reduction of ``user_id`` that occurred ``at`` falls in one of the windows."""
    return any(
        w.user_id == user_id and w.start <= at and (w.end is None or at < w.end) for w in windows
    )


def credited_grams(
    windows: Iterable[Interval], reductions: Iterable[tuple[int, datetime, int]]
) -> dict[int, int]:
    """Grams per person of ``(user_id, occurred_at, grams)`` reductions inside the windows."""
    kept = list(windows)
    grams: defaultdict[int, int] = defaultdict(int)
    for user_id, at, amount in reductions:
        if is_credited(kept, user_id, at):
            grams[user_id] += amount
    return dict(grams)


@dataclass(frozen=True)
class Figures:
    """A team's figures over a period: grams credited (any member, past ones included), the
    current members, how many of them were credited with at least one reduction, per-capita
    grams (rounded down) and the participation rate in whole per mille (rounded down)."""

    grams: int
    members: int
    participants: int

    @property
    def per_capita_grams(self) -> int:
        return self.grams // self.members if self.members else 0

    @property
    def participation_permille(self) -> int:
        return self.participants * 1000 // self.members if self.members else 0


def figures(
    grams_by_user: dict[int, int], counted_by_user: dict[int, int], members: set[int]
) -> Figures:
    """The figures from each person's credited grams and reduction counts and the current
    members' ids."""
    participants = sum(1 for u in members if counted_by_user.get(u, 0) > 0)
    return Figures(sum(grams_by_user.values()), len(members), participants)
