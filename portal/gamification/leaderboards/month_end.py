"""Month-end places on the person board, kept for the monthly report's rank change.

The snapshots hold only the boards current at their build, so a finished month's board is gone
once the next month starts. Closing a month (``close_month``) recomputes that month's person
board from the reductions with the board's own rule — verified grams (positive live
``net_grams``) in the Asia/Shanghai month, ties to whoever reached the score first, RANK() as
the board shows it, only people who ``may_be_listed`` — and stores each listed person's place.

A month is closed once: the places and the ``MonthClose`` row are written in one transaction,
and a second close (a rerun, two runs at once) keeps the first; data arriving later does not
move a stored place. Who may be listed is judged on the month's last day, by the flags at the
time of closing (the history of an opt-in is not kept). Nobody under 14 or not opted in has a
place, public or private: the board leaves them out, so their report has no rank.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import Date, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.accounts.queries import listable
from portal.activities.models import Reduction
from portal.clock import next_month, utcnow
from portal.db import session, transaction
from portal.gamification.leaderboards.models import MonthClose, MonthPlace
from portal.gamification.leaderboards.rules import month_bounds
from portal.pagination import AnySelect


def _places_select(month: date) -> AnySelect:
    start, end = month_bounds(month)
    last_day = next_month(month) - timedelta(days=1)
    people = (
        select(
            Reduction.user_id.label("user_id"),
            func.sum(Reduction.net_grams).label("grams"),
            func.max(Reduction.occurred_at).label("reached_at"),
        )
        .join(User, User.id == Reduction.user_id)
        .where(
            Reduction.is_live(),
            Reduction.net_grams > 0,
            Reduction.occurred_at >= start,
            Reduction.occurred_at < end,
            listable(last_day),
        )
        .group_by(Reduction.user_id)
        .subquery()
    )
    return select(
        literal(month, Date),
        people.c.user_id,
        func.rank().over(order_by=(people.c.grams.desc(), people.c.reached_at.asc())),
    )


def is_closed(month: date) -> bool:
    return bool(session().scalar(select(exists().where(MonthClose.month == month))))


def close_month(month: date, now: datetime | None = None) -> bool:
    """Store the person places of the month starting on ``month`` (a first day, a month that
    has ended) unless it is closed already. True when this call closed it."""
    if is_closed(month):
        return False
    try:
        with transaction() as db:
            db.add(MonthClose(month=month, closed_at=now or utcnow()))
            db.flush()
            db.execute(
                insert(MonthPlace).from_select(["month", "user_id", "place"], _places_select(month))
            )
    except IntegrityError:  # another run closed it first: theirs stands
        return False
    return True


def get_places(month: date, user_ids: Iterable[int]) -> dict[int, int]:
    """The stored month-end places of ``user_ids`` (those with one) in the month."""
    wanted = list(user_ids)
    if not wanted:
        return {}
    rows = session().execute(
        select(MonthPlace.user_id, MonthPlace.place).where(
            MonthPlace.month == month, MonthPlace.user_id.in_(wanted)
        )
    )
    return {user_id: int(place) for user_id, place in rows}
