"""The ``leaderboards`` job's build: every board and period into a new snapshot, switched in
by the pointer row in the same transaction (readers see the old boards until it commits),
then the old snapshots deleted.

Person and city / district boards are one ``INSERT … SELECT`` each with ROW_NUMBER() and
RANK() over (grams DESC, reached_at): the same SQL on SQLite and PostgreSQL. Team figures are
``teams.queries.get_figures`` (membership intervals), ranked by ``rules.ranked``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, literal, select, update

from portal.accounts.models import User
from portal.accounts.queries import listable
from portal.activities.models import Reduction
from portal.clock import local_date, utcnow
from portal.db import session, transaction
from portal.gamification.leaderboards import rules
from portal.gamification.leaderboards.models import (
    LeaderboardPointer,
    LeaderboardRow,
    LeaderboardSnapshot,
)
from portal.pagination import AnySelect
from portal.teams.models import Team
from portal.teams.queries import count_members, get_figures

POINTER_ID = 1
COLUMNS = (
    "snapshot_id",
    "board",
    "period",
    "position",
    "rank",
    "user_id",
    "city_code",
    "district",
    "score",
    "grams",
    "members",
    "participants",
    "reached_at",
)


@dataclass(frozen=True)
class Build:
    snapshot_id: int
    rows: int
    built_at: datetime


def _counted(since: datetime | None, until: datetime) -> list[ColumnElement[bool]]:
    """Live reductions with grams, done in ``[since, until)``."""
    where = [Reduction.is_live(), Reduction.net_grams > 0, Reduction.occurred_at < until]
    if since is not None:
        where.append(Reduction.occurred_at >= since)
    return where


def _ranked_insert(
    snapshot_id: int, board: str, period: str, grouped: AnySelect, keys: list[Any]
) -> None:
    """Insert ``grouped`` (columns ``keys`` …, grams, participants, reached_at) ranked."""
    sub = grouped.subquery()
    grams, reached = sub.c.grams, sub.c.reached_at
    order = (grams.desc(), reached.asc(), *(sub.c[k.name].asc() for k in keys))
    names = {k.name for k in keys}
    stmt = select(
        literal(snapshot_id),
        literal(board),
        literal(period),
        func.row_number().over(order_by=order),
        func.rank().over(order_by=(grams.desc(), reached.asc())),
        sub.c.user_id if "user_id" in names else literal(None),
        sub.c.city_code if "city_code" in names else literal(None),
        sub.c.district if "district" in names else literal(None),
        grams,
        grams,
        literal(1) if board == rules.PERSON else sub.c.participants,
        literal(1) if board == rules.PERSON else sub.c.participants,
        reached,
    )
    session().execute(insert(LeaderboardRow).from_select(COLUMNS, stmt))


def _person_board(snapshot_id: int, period: str, since: datetime | None, now: datetime) -> None:
    grouped = (
        select(
            Reduction.user_id,
            func.sum(Reduction.net_grams).label("grams"),
            func.max(Reduction.occurred_at).label("reached_at"),
        )
        .join(User, User.id == Reduction.user_id)
        .where(*_counted(since, now), listable(local_date(now)))
        .group_by(Reduction.user_id)
    )
    _ranked_insert(snapshot_id, rules.PERSON, period, grouped, [Reduction.user_id])


def _area_board(
    snapshot_id: int, board: str, period: str, since: datetime | None, now: datetime
) -> None:
    """Everyone's grams by city (or by city and district, for those who gave one)."""
    keys: list[Any] = [User.city_code] if board == rules.CITY else [User.city_code, User.district]
    grouped = (
        select(
            *keys,
            func.sum(Reduction.net_grams).label("grams"),
            func.count(func.distinct(Reduction.user_id)).label("participants"),
            func.max(Reduction.occurred_at).label("reached_at"),
        )
        .join(User, User.id == Reduction.user_id)
        .where(*_counted(since, now))
        .group_by(*keys)
    )
    if board == rules.DISTRICT:
        grouped = grouped.where(User.district.is_not(None), User.district != "")
    _ranked_insert(snapshot_id, board, period, grouped, keys)


def _team_board(snapshot_id: int, period: str, since: datetime | None, now: datetime) -> None:
    """Open teams of at least ``MIN_TEAM_MEMBERS`` by grams per member (credited by their
    membership intervals), ties to the higher participation, then the older team."""
    teams = list(session().scalars(select(Team).where(Team.closed_at.is_(None))))
    sizes = count_members([t.id for t in teams])
    figures = {
        t.id: get_figures(t, since, now) for t in teams if sizes[t.id] >= rules.MIN_TEAM_MEMBERS
    }
    entries = [
        rules.Entry(team_id, f.per_capita_grams * 1001 + f.participation_permille, None)
        for team_id, f in figures.items()
        if f.grams > 0
    ]
    rows = [
        {
            "snapshot_id": snapshot_id,
            "board": rules.TEAM,
            "period": period,
            "position": position,
            "rank": rank,
            "team_id": entry.key,
            "score": figures[entry.key].per_capita_grams,
            "grams": figures[entry.key].grams,
            "members": figures[entry.key].members,
            "participants": figures[entry.key].participants,
            "reached_at": None,
        }
        for position, rank, entry in rules.ranked(entries)
    ]
    if rows:
        session().execute(insert(LeaderboardRow), rows)


def build_leaderboards(now: datetime | None = None) -> Build:
    """Build every board for every period as of ``now`` into a new snapshot, point pages at
    it and delete the older snapshots, in one transaction."""
    now = now or utcnow()
    with transaction() as db:
        snapshot = LeaderboardSnapshot(built_at=now, row_count=0)
        db.add(snapshot)
        db.flush()
        for period in rules.PERIODS:
            since = rules.period_start(period, now)
            _person_board(snapshot.id, period, since, now)
            _team_board(snapshot.id, period, since, now)
            for board in (rules.CITY, rules.DISTRICT):
                _area_board(snapshot.id, board, period, since, now)
        count = db.scalar(
            select(func.count())
            .select_from(LeaderboardRow)
            .where(LeaderboardRow.snapshot_id == snapshot.id)
        )
        snapshot.row_count = int(count or 0)
        switched = db.execute(
            update(LeaderboardPointer)
            .where(LeaderboardPointer.id == POINTER_ID)
            .values(snapshot_id=snapshot.id)
            .returning(LeaderboardPointer.id)
        ).first()
        if switched is None:
            db.add(LeaderboardPointer(id=POINTER_ID, snapshot_id=snapshot.id))
            db.flush()
        old = LeaderboardRow.snapshot_id != snapshot.id
        db.execute(delete(LeaderboardRow).where(old))
        db.execute(delete(LeaderboardSnapshot).where(LeaderboardSnapshot.id != snapshot.id))
        return Build(snapshot.id, int(count or 0), now)
