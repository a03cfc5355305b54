"""Leaderboard reads: only the snapshot the pointer names, with names looked up now (aliases
of those who ``may_be_listed``; team names; city names and districts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from portal.accounts.queries import get_public_names
from portal.accounts.regions import city_name
from portal.db import session
from portal.gamification.leaderboards import rules
from portal.gamification.leaderboards.models import (
    LeaderboardPointer,
    LeaderboardRow,
    LeaderboardSnapshot,
    PersonPosition,
)
from portal.pagination import paginate
from portal.teams.models import Team

PER_PAGE = 20


@dataclass(frozen=True)
class Place:
    """A row as a page shows it."""

    position: int
    rank: int
    name: str
    score: int
    grams: int
    members: int
    participants: int
    is_me: bool = False

    @property
    def participation_permille(self) -> int:
        return self.participants * 1000 // self.members if self.members else 0


@dataclass(frozen=True)
class Standing:
    """A citizen's place on the person board, the places around it and the gap above."""

    place: Place
    around: list[Place]
    gap: int | None


@dataclass(frozen=True)
class Shown:
    """The snapshot pages show: its id and the moment its figures run to."""

    id: int
    built_at: datetime


# Built once: every leaderboard page asks it, and building it anew took a third of its time.
_SHOWN = (
    select(LeaderboardSnapshot.id, LeaderboardSnapshot.built_at)
    .join(LeaderboardPointer, LeaderboardPointer.snapshot_id == LeaderboardSnapshot.id)
    .where(LeaderboardPointer.id == 1)
)


def get_snapshot() -> Shown | None:
    """The snapshot pages show, or None before the first build (a Core query: no ORM
    entities to make)."""
    row = session().connection().execute(_SHOWN).first()
    return Shown(row.id, row.built_at) if row is not None else None


def _board(snapshot_id: int, board: str, period: str) -> Select[LeaderboardRow]:
    return select(LeaderboardRow).where(
        LeaderboardRow.snapshot_id == snapshot_id,
        LeaderboardRow.board == board,
        LeaderboardRow.period == period,
    )


def places(rows: list[LeaderboardRow], language: str, me: int | None = None) -> list[Place]:
    """The rows with their names in ``language``."""
    people = get_public_names(r.user_id for r in rows if r.user_id is not None)
    team_ids = [r.team_id for r in rows if r.team_id is not None]
    teams = (
        dict(session().execute(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all())
        if team_ids
        else {}
    )

    def name(row: LeaderboardRow) -> str:
        if row.user_id is not None:
            return people[row.user_id]
        if row.team_id is not None:
            return str(teams.get(row.team_id, ""))
        city = city_name(row.city_code, language)
        return f"{city} · {row.district}" if row.district else city

    return [
        Place(
            r.position,
            r.rank,
            name(r),
            r.score,
            r.grams,
            r.members,
            r.participants,
            me is not None and r.user_id == me,
        )
        for r in rows
    ]


def list_board(snapshot_id: int, board: str, period: str, page: int) -> Pagination:
    """One page of a board, in place order (items are ``LeaderboardRow``)."""
    return paginate(
        _board(snapshot_id, board, period).order_by(LeaderboardRow.position), page, PER_PAGE
    )


def get_standing(snapshot_id: int, period: str, user_id: int, language: str) -> Standing | None:
    """The citizen's place on the person board of ``period`` with "me ± 5", or None when
    they are not on it (no grams in the period, or not listed)."""
    position = session().scalar(
        select(getattr(PersonPosition, f"{period}_position")).where(
            PersonPosition.snapshot_id == snapshot_id, PersonPosition.user_id == user_id
        )
    )
    if position is None:
        return None
    stmt = _board(snapshot_id, rules.PERSON, period)
    last = session().scalar(stmt.order_by(LeaderboardRow.position.desc()).limit(1))
    first, final = rules.neighbour_positions(position, last.position if last else 1)
    rows = list(
        session().scalars(
            stmt.where(LeaderboardRow.position.between(first, final)).order_by(
                LeaderboardRow.position
            )
        )
    )
    mine = next(r for r in rows if r.position == position)
    above = next((r for r in rows if r.position == position - 1), None)
    around = places(rows, language, me=user_id)
    place = next(p for p in around if p.is_me)
    return Standing(place, around, rules.gap_to_next(mine.score, above.score if above else None))
