"""Team tables: teams, membership intervals and invites.

A membership row is one interval ``[joined_at, left_at)`` of one person in one team; leaving
sets ``left_at`` and never deletes the row, rejoining adds a new row. ``slot`` is the bracket
the membership occupies (``<bracket>`` or ``<bracket>:class``): a partial unique index allows
one open membership per person and slot, so a person is in at most one team of a bracket, and
at most one school and one class of it (the service checks the class belongs to that school).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class Team(Base):
    """A team: ``kind`` and ``bracket`` are codes (``rules.KINDS``, ``rules.BRACKETS``); a class
    has its school as ``parent_id`` and the school's bracket. ``captain_id`` is an active member,
    or for a class the captain of its school."""

    __tablename__ = "teams"
    __table_args__ = (
        CheckConstraint("size_limit > 0", name="size_positive"),
        Index("ix_teams_parent", "parent_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    bracket: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    captain_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    size_limit: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the last member (the captain) left: no one joins a closed team.
    closed_at: Mapped[datetime | None]


class TeamMembership(Base):
    """One interval of one person in one team, half-open ``[joined_at, left_at)``."""

    __tablename__ = "team_memberships"
    __table_args__ = (
        CheckConstraint("left_at IS NULL OR left_at >= joined_at", name="interval_in_order"),
        Index("ix_team_memberships_team", "team_id", "left_at"),
        Index(
            "ix_team_memberships_open_slot",
            "user_id",
            "slot",
            unique=True,
            postgresql_where=text("left_at IS NULL"),
            sqlite_where=text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    slot: Mapped[str] = mapped_column(String(24))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    # Why the interval ended: "left", "removed" (by the captain) or "closed"; NULL while open.
    left_reason: Mapped[str | None] = mapped_column(String(16))


class TeamInvite(Base):
    """An invite of a team: a link signed with ``secret`` and a short ``code`` to type, both
    valid until ``expires_at`` unless ``revoked_at`` (rotation revokes the previous one)."""

    __tablename__ = "team_invites"
    __table_args__ = (Index("ix_team_invites_team", "team_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
