"""Leaderboard tables: snapshots, the pointer row naming the snapshot pages read, the
ranked rows of every board and period of a snapshot with each person's position on its person
boards, and each closed month's person places (what the monthly report's rank change
compares)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, BigIntPK


class LeaderboardSnapshot(Base):
    """One build of every board: ``built_at`` is the moment its figures run to."""

    __tablename__ = "leaderboard_snapshots"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    built_at: Mapped[datetime]
    row_count: Mapped[int] = mapped_column(BigInteger)


class LeaderboardPointer(Base):
    """The single row (``id`` 1) naming the snapshot that pages show."""

    __tablename__ = "leaderboard_pointer"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    snapshot_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("leaderboard_snapshots.id", ondelete="CASCADE")
    )


class LeaderboardRow(Base):
    """One place on a board (``board`` person, team, city or district; ``period`` week, month
    or all). ``position`` is the place (ROW_NUMBER: unique, ties broken by who reached the
    score first), ``rank`` the same ordering by RANK (equal only for a score reached at the
    same instant). ``score`` is what the board ranks on: grams for people and areas, grams per
    member for teams. ``user_id``, ``team_id`` or ``city_code`` (+ ``district``) names the
    subject; names are looked up when read.

    ``snapshot_id`` has no foreign key (a trigger per row, a fifth of a build's time): the
    job writes a snapshot's rows in the transaction that adds it and deletes the older
    snapshots' rows before them (migration 0030). A person's place is found through
    ``PersonPosition``, not an index on ``user_id`` here (rows go in by place, so such an
    index would take them in random order)."""

    __tablename__ = "leaderboard_rows"

    snapshot_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    board: Mapped[str] = mapped_column(String(8), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    rank: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigIntPK)
    team_id: Mapped[int | None] = mapped_column(BigIntPK)
    city_code: Mapped[str | None] = mapped_column(String(6))
    district: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(BigInteger)
    grams: Mapped[int] = mapped_column(BigInteger)
    members: Mapped[int] = mapped_column(BigInteger)
    participants: Mapped[int] = mapped_column(BigInteger)
    reached_at: Mapped[datetime | None]


class PersonPosition(Base):
    """A person's ``position`` on the person board of each period of a snapshot (None where
    they have no place), written in order of ``user_id`` after the person boards."""

    __tablename__ = "leaderboard_person_positions"

    snapshot_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    week_position: Mapped[int | None] = mapped_column(BigInteger)
    month_position: Mapped[int | None] = mapped_column(BigInteger)
    all_position: Mapped[int | None] = mapped_column(BigInteger)


class MonthClose(Base):
    """A closed Asia/Shanghai month whose person-board places are stored (``MonthPlace``):
    written once, in the transaction that stores them, so a month is closed whole or not at
    all, and a month nobody was ranked in is still known to be closed."""

    __tablename__ = "leaderboard_month_closes"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the month's first day
    closed_at: Mapped[datetime]


class MonthPlace(Base):
    """A person's place (``rank``, as the board shows it) on the month's person board when the
    month closed. Only people the person board lists have one."""

    __tablename__ = "leaderboard_month_places"

    month: Mapped[date] = mapped_column(
        Date, ForeignKey("leaderboard_month_closes.month", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    place: Mapped[int] = mapped_column(BigInteger)
