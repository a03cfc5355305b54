"""Team challenge tables: a challenge, the teams entered in it (with their final figures once
the snapshot is written), the members of the winning teams (what ``challenges_won`` counts
and whom a winner's certificate is issued to) and the members of the other teams (a
team-result certificate each)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class TeamChallenge(Base):
    """A duel or a league over ``[starts_at, ends_at)`` (UTC; chosen as Shanghai days).
    ``metric`` and ``scenario_code`` are codes (``pk.rules``), ``status`` the stored state;
    ``review_hours`` is the review window fixed when the challenge was made."""

    __tablename__ = "team_challenges"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="period_in_order"),
        CheckConstraint("review_hours >= 0", name="review_not_negative"),
        Index("ix_team_challenges_status_end", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    bracket: Mapped[str] = mapped_column(String(16), index=True)
    metric: Mapped[str] = mapped_column(String(16))
    scenario_code: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    review_hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    host_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    finalised_at: Mapped[datetime | None]


class ChallengeEntry(Base):
    """A team in a challenge. ``accepted_at`` is None for a duel's invited team until its
    captain accepts. The ``final_*`` columns are the snapshot written at finalisation."""

    __tablename__ = "team_challenge_entries"
    __table_args__ = (
        Index("ux_team_challenge_entries", "challenge_id", "team_id", unique=True),
        Index("ix_team_challenge_entries_team", "team_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("team_challenges.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    joined_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    final_value: Mapped[int | None] = mapped_column(BigInteger)
    final_rank: Mapped[int | None] = mapped_column(Integer)
    final_grams: Mapped[int | None] = mapped_column(BigInteger)
    final_members: Mapped[int | None] = mapped_column(Integer)
    final_participants: Mapped[int | None] = mapped_column(Integer)
    final_records: Mapped[int | None] = mapped_column(Integer)


class ChallengeWinner(Base):
    """A member of a winning team at the challenge's end; ``certificate_id`` once issued."""

    __tablename__ = "team_challenge_winners"
    __table_args__ = (Index("ux_team_challenge_winners", "challenge_id", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("team_challenges.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))


class ChallengeResult(Base):
    """A member, at the challenge's end, of an entered team that finished without winning:
    the team's final ``rank``, and the team-result certificate once issued (winners have
    theirs through ``ChallengeWinner``). One per person and challenge, of their first team."""

    __tablename__ = "team_challenge_results"
    __table_args__ = (Index("ux_team_challenge_results", "challenge_id", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("team_challenges.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
