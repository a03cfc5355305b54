"""Pure rules of team challenges: the metrics, the period a captain chooses (Asia/Shanghai
days, stored as UTC instants), the phase a challenge is in at an instant, which reductions it
counts, and the ranking. No database, no Flask.

A challenge runs over the half-open period ``[starts_at, ends_at)``. At ``ends_at`` the
standings freeze: only reductions that occurred inside the period count, and of those only the
ones recorded (quantified) before ``ends_at + review`` — late partner data within the review
window still counts, anything later does not. At ``ends_at + review`` the final snapshot is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from portal.clock import local_midnight
from portal.errors import InvalidInput

DUEL, LEAGUE = "duel", "league"
KINDS = (DUEL, LEAGUE)
PER_CAPITA, PARTICIPATION, SCENARIO = "per_capita", "participation", "scenario"
METRICS = (PER_CAPITA, PARTICIPATION, SCENARIO)

# Stored statuses: a duel is proposed until the other captain answers; an accepted duel and
# a league are scheduled; final once the snapshot is written.
PROPOSED, DECLINED, SCHEDULED, EXPIRED, FINAL = (
    "proposed",
    "declined",
    "scheduled",
    "expired",
    "final",
)
# Phases, derived from the status and the clock.
UPCOMING, RUNNING, REVIEW = "upcoming", "running", "review"

MAX_DAYS = 92  # about a school term's quarter
MAX_LEAD_DAYS = 180
DEFAULT_REVIEW_HOURS = 48
# The last instant of a period (its end is excluded): ``ends_at - LAST_INSTANT`` is its last day.
LAST_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class Period:
    """``[starts_at, ends_at)`` in UTC: from the first day's Shanghai midnight to the midnight
    after the last day."""

    starts_at: datetime
    ends_at: datetime


def period(first: date | None, last: date | None, today: date) -> Period:
    """The period of the Shanghai days ``first`` to ``last`` (both included). InvalidInput for
    a missing day, a first day already past, a last day before the first, or too long a one."""
    if first is None:
        raise InvalidInput(_l("Choose the first day of the challenge."), field="starts_on")
    if last is None:
        raise InvalidInput(_l("Choose the last day of the challenge."), field="ends_on")
    if first <= today:
        raise InvalidInput(_l("A challenge starts tomorrow at the earliest."), field="starts_on")
    if first > today + timedelta(days=MAX_LEAD_DAYS):
        raise InvalidInput(
            _l("A challenge starts within %(days)s days.", days=MAX_LEAD_DAYS), field="starts_on"
        )
    if last < first:
        raise InvalidInput(_l("The last day comes before the first day."), field="ends_on")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(
            _l("A challenge lasts at most %(days)s days.", days=MAX_DAYS), field="ends_on"
        )
    return Period(
        local_midnight(first).astimezone(UTC),
        local_midnight(last + timedelta(days=1)).astimezone(UTC),
    )


def metric(value: str | None, scenario: str | None, scenarios: Iterable[str]) -> str | None:
    """Check the metric; returns the scenario code for ``SCENARIO`` (one of ``scenarios``),
    None otherwise."""
    if value not in METRICS:
        raise InvalidInput(_l("Choose what the challenge measures."), field="metric")
    if value != SCENARIO:
        return None
    if not scenario or scenario not in set(scenarios):
        raise InvalidInput(_l("Choose the activity whose records count."), field="scenario")
    return scenario


def overlaps(a: Period, b: Period) -> bool:
    """Whether two half-open periods share an instant (touching ends do not)."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def phase(status: str, when: Period, review: timedelta, now: datetime) -> str:
    """The phase at ``now``: a proposed duel whose start passed unanswered is expired; a
    scheduled challenge is upcoming, running, then in review until the snapshot is due."""
    if status in (DECLINED, EXPIRED, FINAL):
        return status
    if status == PROPOSED:
        return PROPOSED if now < when.starts_at else EXPIRED
    if now < when.starts_at:
        return UPCOMING
    if now < when.ends_at:
        return RUNNING
    return REVIEW


def is_running(status: str, when: Period, now: datetime) -> bool:
    """Whether membership is frozen: a scheduled challenge between its start and its end."""
    return status == SCHEDULED and when.starts_at <= now < when.ends_at


def recorded_cutoff(when: Period, review: timedelta, now: datetime) -> datetime:
    """Reductions recorded before this instant count: now, but never past the review window."""
    return min(now, when.ends_at + review)


def is_final_due(when: Period, review: timedelta, now: datetime) -> bool:
    return now >= when.ends_at + review


def counts(when: Period, review: timedelta, occurred_at: datetime, recorded_at: datetime) -> bool:
    """Whether a reduction counts: it occurred in the period and was recorded before the end
    of the review window."""
    return when.starts_at <= occurred_at < when.ends_at and recorded_at < when.ends_at + review


def members_at(
    intervals: Iterable[tuple[int, datetime, datetime | None]], at: datetime
) -> set[int]:
    """The people who were members just before ``at`` (a half-open ``[start, end)`` interval
    ending at ``at`` still counts: leaving at the final whistle does not drop a member)."""
    return {u for u, start, end in intervals if start < at and (end is None or end >= at)}


@dataclass(frozen=True)
class Score:
    """One team's figures in a challenge."""

    team_id: int
    grams: int
    members: int
    participants: int
    records: int

    def value(self, measure: str) -> int:
        """The metric's whole number: grams per member, per mille of members taking part, or
        the scenario's records (rounded down)."""
        if measure == PER_CAPITA:
            return self.grams // self.members if self.members else 0
        if measure == PARTICIPATION:
            return self.participants * 1000 // self.members if self.members else 0
        return self.records


def ordinal_en(place: int) -> str:
    """A place in English: 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st."""
    teen = 10 <= place % 100 <= 20
    return f"{place}{'th' if teen else {1: 'st', 2: 'nd', 3: 'rd'}.get(place % 10, 'th')}"


def ranks(values: Mapping[int, int]) -> dict[int, int]:
    """Competition ranks ("1224") of team values, highest first: equal values share a rank."""
    ordered = sorted(values.values(), reverse=True)
    return {team: ordered.index(value) + 1 for team, value in values.items()}


def winners(values: Mapping[int, int]) -> set[int]:
    """The teams ranked first with something to show (nobody wins on zero), only when at
    least two teams took part."""
    if len(values) < 2:
        return set()
    top = max(values.values())
    return {team for team, value in values.items() if value == top and value > 0}
