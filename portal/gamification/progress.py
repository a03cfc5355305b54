"""Badge progress for many people at once: a few grouped queries per batch of user ids, never a
query per person, so the ``badges`` job scales with the people it is given.

Sources, all of them verified activity and none the points balance:

- ``credited_records``, ``kg_reduced``, ``categories_tried``: the per-person, per-methodology
  totals of live reductions (``reduction_totals``, kept by triggers);
- ``cycled_km``, ``walked_km``: the credited quantity (after caps) of live reductions of the
  badges' scenarios, converted to metres by the version's activity unit (steps at the stride of
  ``portal.methodology.units``);
- ``streak_days``: runs of consecutive Asia/Shanghai days with a live reduction (gaps and
  islands with a window function, on both databases);
- ``donations``: public-welfare donations;
- ``quizzes_passed``: science quizzes passed (never points: a quiz earns only this badge);
- ``campaigns_joined``: campaigns with a counted record of the person's (``campaign_bonuses``);
- ``volunteer_activities``: volunteer activities checked in to (``volunteer_checkins``);
- ``challenges_won``: team challenges whose final snapshot has the person in a winning team
  (``team_challenge_winners``, written by the ``team_challenges`` job).

Every measure has a source now; ``UNTRACKED`` is where a measure defined before anything
records it waits (its badge is then marked as not yet earnable on the wall, 即将推出).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import (
    Date,
    Integer,
    SQLColumnExpression,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from portal.activities.models import Reduction, ReductionTotal
from portal.clock import SHANGHAI
from portal.db import session
from portal.gamification.campaigns.models import CampaignBonus
from portal.gamification.models import QuizAttempt
from portal.gamification.rules import STREAK, Badge, Progress, load_badges
from portal.gamification.volunteering.models import VolunteerCheckin
from portal.methodology.models import Methodology, MethodologyVersion
from portal.methodology.units import get_unit
from portal.teams.pk.models import ChallengeWinner
from portal.welfare.models import Donation

UNTRACKED: Final[frozenset[str]] = frozenset()


def is_tracked(badge: Badge) -> bool:
    """Whether anything records what ``badge`` counts yet."""
    return badge.measure.code not in UNTRACKED


def list_progress(user_ids: Collection[int], today: date) -> dict[int, Progress]:
    """Each person's badge figures (base units: metres, grams, days, counts); ``today`` is the
    Asia/Shanghai date a streak must reach (or reach yesterday) to be alive."""
    figures: defaultdict[int, dict[str, int]] = defaultdict(dict)
    if not user_ids:
        return {}
    ids = list(user_ids)
    for user_id, records, grams, categories in session().execute(_totals(ids)):
        figures[user_id].update(
            credited_records=int(records), kg_reduced=int(grams), categories_tried=int(categories)
        )
    for user_id, measure, metres in _distances(ids, load_badges()):
        figures[user_id][measure] = figures[user_id].get(measure, 0) + metres
    counted = (  # measure, (user id, count) rows
        ("donations", select(Donation.user_id, func.count()).where(Donation.user_id.in_(ids))),
        (
            "quizzes_passed",
            select(QuizAttempt.user_id, func.count()).where(
                QuizAttempt.user_id.in_(ids), QuizAttempt.passed
            ),
        ),
        (
            "challenges_won",
            select(ChallengeWinner.user_id, func.count()).where(ChallengeWinner.user_id.in_(ids)),
        ),
        (
            "campaigns_joined",
            select(CampaignBonus.user_id, func.count(distinct(CampaignBonus.campaign_id))).where(
                CampaignBonus.user_id.in_(ids)
            ),
        ),
        (
            "volunteer_activities",
            select(VolunteerCheckin.user_id, func.count()).where(VolunteerCheckin.user_id.in_(ids)),
        ),
    )
    for measure, stmt in counted:
        for user_id, count in session().execute(stmt.group_by(stmt.selected_columns[0])):
            figures[user_id][measure] = int(count)
    current: dict[int, int] = {}
    for user_id, best, alive in session().execute(_streaks(ids, today)):
        figures[user_id][STREAK] = int(best)
        current[user_id] = int(alive)
    return {u: Progress(figures.get(u, {}), current.get(u, 0)) for u in ids}


def _totals(ids: list[int]) -> Any:
    counted = ReductionTotal.reductions > 0
    return (
        select(
            ReductionTotal.user_id,
            func.sum(ReductionTotal.reductions),
            func.sum(ReductionTotal.net_grams),
            func.count(distinct(Methodology.category)).filter(counted),
        )
        .join(Methodology, Methodology.id == ReductionTotal.methodology_id)
        .where(ReductionTotal.user_id.in_(ids))
        .group_by(ReductionTotal.user_id)
    )


def _distances(ids: list[int], badges: Iterable[Badge]) -> Iterable[tuple[int, str, int]]:
    """(user id, measure, whole metres) of each distance badge's scenarios."""
    measure_of = {s: b.measure.code for b in badges for s in b.scenarios}
    rows = session().execute(
        select(
            Reduction.user_id,
            Methodology.scenario_code,
            MethodologyVersion.activity_unit,
            func.sum(Reduction.credited_quantity_milli),
        )
        .join(Methodology, Methodology.id == Reduction.methodology_id)
        .join(MethodologyVersion, MethodologyVersion.id == Reduction.version_id)
        .where(
            Reduction.user_id.in_(ids),
            Reduction.is_live(),
            Methodology.scenario_code.in_(measure_of),
        )
        .group_by(Reduction.user_id, Methodology.scenario_code, MethodologyVersion.activity_unit)
    )
    for user_id, scenario, unit, milli in rows:
        metres = Decimal(int(milli)) / 1000 * get_unit(unit).size
        yield user_id, measure_of[scenario], int(metres)


def _day_number(day: ColumnElement[Any]) -> ColumnElement[int]:
    """A date as a whole number of days, consecutive days giving consecutive numbers."""
    if session().get_bind().dialect.name == "postgresql":
        return type_coerce(day - cast(literal("2000-01-01"), Date), Integer)
    return cast(func.julianday(day), Integer)


def _local_day(column: SQLColumnExpression[Any]) -> ColumnElement[Any]:
    """The Asia/Shanghai date of a UTC timestamp column. SQLite adds eight hours: Shanghai has
    kept UTC+8 without daylight saving since 1991, before any record here."""
    if session().get_bind().dialect.name == "postgresql":
        return cast(func.timezone(SHANGHAI.key, column), Date)
    return func.date(column, "+8 hours")


def _streaks(ids: list[int], today: date) -> Any:
    """Per person: the longest run of days with a live reduction, and the run still alive."""
    day = _day_number(_local_day(Reduction.occurred_at)).label("day")
    days = (
        select(Reduction.user_id, day)
        .where(Reduction.user_id.in_(ids), Reduction.is_live())
        .distinct()
        .subquery()
    )
    # Within a run, day - its rank is constant: each run is one group (gaps and islands).
    rank = func.row_number().over(partition_by=days.c.user_id, order_by=days.c.day)
    islands = select(days.c.user_id, days.c.day, (days.c.day - rank).label("island")).subquery()
    runs = (
        select(
            islands.c.user_id,
            func.count().label("length"),
            func.max(islands.c.day).label("last"),
        )
        .group_by(islands.c.user_id, islands.c.island)
        .subquery()
    )
    yesterday = _day_number(literal(today - timedelta(days=1), Date))
    return select(
        runs.c.user_id,
        func.max(runs.c.length),
        func.max(case((runs.c.last >= yesterday, runs.c.length), else_=0)),
    ).group_by(runs.c.user_id)
