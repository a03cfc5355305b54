"""The ``leaderboards`` job's build: every board and period into a new snapshot, switched in
by the pointer row in the same transaction (readers see the old boards until it commits),
then the old snapshots deleted (their rows first: rows have no foreign key to them).

One pass over the reductions fills a temporary table of each person's grams per period
(``leaderboard_people``); each person and city / district board is then one ``INSERT …
SELECT`` from it with ROW_NUMBER() and RANK() over (grams DESC, reached_at): the same SQL on
SQLite and PostgreSQL. Each person's positions on the three person boards then go into
``leaderboard_person_positions`` in one ``INSERT … SELECT`` grouped by person (how a page
finds "me"). Team figures are ``teams.queries.get_figures`` (membership intervals), ranked
by ``rules.ranked``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    MetaData,
    String,
    Table,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from portal.accounts.models import User
from portal.accounts.queries import listable
from portal.activities.models import Reduction
from portal.clock import local_date, utcnow
from portal.db import UTCDateTime, session, transaction
from portal.gamification.leaderboards import rules
from portal.gamification.leaderboards.models import (
    LeaderboardPointer,
    LeaderboardRow,
    LeaderboardSnapshot,
    PersonPosition,
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


# Each person's grams and the moment they reached them, per period, with what the boards group
# by: one pass over the reductions (instead of one per board and period), filled per build
# inside its transaction and dropped at its end.
_people = Table(
    "leaderboard_people",
    MetaData(),
    Column("user_id", BigInteger, primary_key=True),
    Column("city_code", String(6)),
    Column("district", String(40)),
    Column("listed", Boolean),
    *(Column(f"{p}_grams", BigInteger) for p in rules.PERIODS),
    *(Column(f"{p}_reached", UTCDateTime) for p in rules.PERIODS),
    prefixes=["TEMPORARY"],
)


def _fill_people(now: datetime) -> None:
    """One row per person with a live reduction with grams before ``now``: their reductions
    summed per period first (grouped on the person alone, in the order of the reductions'
    index), then joined to what the boards group by."""
    inside = {p: rules.period_start(p, now) for p in rules.PERIODS}

    def within(p: str) -> ColumnElement[bool]:
        since = inside[p]
        return Reduction.occurred_at >= since if since is not None else literal(True)

    per_person = (
        select(
            Reduction.user_id,
            *(
                func.sum(case((within(p), Reduction.net_grams), else_=0)).label(f"{p}_grams")
                for p in rules.PERIODS
            ),
            *(
                func.max(case((within(p), Reduction.occurred_at))).label(f"{p}_reached")
                for p in rules.PERIODS
            ),
        )
        .where(Reduction.is_live(), Reduction.net_grams > 0, Reduction.occurred_at < now)
        .group_by(Reduction.user_id)
        .subquery()
    )
    stmt = select(
        per_person.c.user_id,
        User.city_code,
        User.district,
        case((listable(local_date(now)), True), else_=False),
        *(per_person.c[f"{p}_grams"] for p in rules.PERIODS),
        *(per_person.c[f"{p}_reached"] for p in rules.PERIODS),
    ).join(User, User.id == per_person.c.user_id)
    _people.create(session().connection())
    session().execute(insert(_people).from_select([c.name for c in _people.columns], stmt))


def _ranked_insert(
    snapshot_id: int, board: str, period: str, grouped: AnySelect, keys: list[str]
) -> None:
    """Insert ``grouped`` (columns ``keys`` …, grams, participants, reached_at) ranked."""
    sub = grouped.subquery()
    grams, reached = sub.c.grams, sub.c.reached_at
    order = (grams.desc(), reached.asc(), *(sub.c[k].asc() for k in keys))
    stmt = select(
        literal(snapshot_id),
        literal(board),
        literal(period),
        func.row_number().over(order_by=order),
        func.rank().over(order_by=(grams.desc(), reached.asc())),
        *(sub.c[k] if k in keys else literal(None) for k in ("user_id", "city_code", "district")),
        grams,
        grams,
        sub.c.participants,
        sub.c.participants,
        reached,
    )
    session().execute(insert(LeaderboardRow).from_select(COLUMNS, stmt))


def _person_board(snapshot_id: int, period: str) -> None:
    grams, reached = _people.c[f"{period}_grams"], _people.c[f"{period}_reached"]
    people = select(
        _people.c.user_id,
        grams.label("grams"),
        literal(1).label("participants"),
        reached.label("reached_at"),
    ).where(_people.c.listed.is_(True), grams > 0)
    _ranked_insert(snapshot_id, rules.PERSON, period, people, ["user_id"])


def _person_positions(snapshot_id: int) -> None:
    """Each person's position on the three person boards, from the rows just written."""
    rows = LeaderboardRow
    per_person = (
        select(
            literal(snapshot_id),
            rows.user_id,
            *(func.max(case((rows.period == p, rows.position))) for p in rules.PERIODS),
        )
        .where(rows.snapshot_id == snapshot_id, rows.board == rules.PERSON)
        .group_by(rows.user_id)
        .order_by(rows.user_id)
    )
    columns = ["snapshot_id", "user_id", *(f"{p}_position" for p in rules.PERIODS)]
    session().execute(insert(PersonPosition).from_select(columns, per_person))


def _area_board(snapshot_id: int, board: str, period: str) -> None:
    """Everyone's grams by city (or by city and district, for those who gave one)."""
    keys = ["city_code"] if board == rules.CITY else ["city_code", "district"]
    grams, reached = _people.c[f"{period}_grams"], _people.c[f"{period}_reached"]
    grouped = (
        select(
            *(_people.c[k] for k in keys),
            func.sum(grams).label("grams"),
            func.count().label("participants"),
            func.max(reached).label("reached_at"),
        )
        .where(grams > 0)
        .group_by(*(_people.c[k] for k in keys))
    )
    if board == rules.DISTRICT:
        grouped = grouped.where(_people.c.district.is_not(None), _people.c.district != "")
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
        _fill_people(now)
        for period in rules.PERIODS:
            _person_board(snapshot.id, period)
            _team_board(snapshot.id, period, rules.period_start(period, now), now)
            for board in (rules.CITY, rules.DISTRICT):
                _area_board(snapshot.id, board, period)
        _person_positions(snapshot.id)
        _people.drop(session().connection())
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
        db.execute(delete(LeaderboardRow).where(LeaderboardRow.snapshot_id != snapshot.id))
        db.execute(delete(PersonPosition).where(PersonPosition.snapshot_id != snapshot.id))
        db.execute(delete(LeaderboardSnapshot).where(LeaderboardSnapshot.id != snapshot.id))
        return Build(snapshot.id, int(count or 0), now)
