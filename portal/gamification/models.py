"""Gamification tables: the badge awards people hold, the queue of people whose activity
changed since the ``badges`` job last looked at them, and science-quiz attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class BadgeAward(Base):
    """One tier of one badge a person holds: ``badge_key`` names a badge of
    ``data/badges.yaml``, ``tier`` its level. Unique per (user, badge, tier), so an award is
    written once whoever races to write it; never deleted or revoked (a reversed reduction does
    not take a badge back). ``seen_at`` is when the holder was shown it in a toast (None: not
    yet)."""

    __tablename__ = "badge_awards"
    __table_args__ = (
        UniqueConstraint("user_id", "badge_key", "tier"),
        # Every page a citizen opens asks whether they have an unseen award: a small index.
        Index(
            "ix_badge_awards_unseen",
            "user_id",
            postgresql_where=text("seen_at IS NULL"),
            sqlite_where=text("seen_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    badge_key: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(8))
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime | None]


class BadgeQueue(Base):
    """A person whose badge figures may have changed: written by triggers on ``reductions`` and
    ``welfare_donations`` inserts (migration 0016), whoever writes them, in the writer's own
    transaction; the ``badges`` job deletes the rows it takes in the transaction that awards.
    No foreign key, as in the tables whose triggers write it."""

    __tablename__ = "badge_queue"

    user_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizAttempt(Base):
    """A person's one counted attempt at a quiz of ``data/quizzes.yaml`` (``quiz_key``): unique
    per (user, quiz), so starting twice, or from two tabs at once, gives the same attempt.
    Started when the questions are first shown; ``submitted_at``, ``answers`` (question key →
    option key), ``correct`` and ``passed`` are written once, by the submission that arrives in
    time. One never submitted past its deadline (quizbank ``Quiz.deadline``) counts as not
    passed. Never earns points."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_key"),
        CheckConstraint("correct >= 0", name="correct_not_negative"),
        # The badge job counts passes per person.
        Index(
            "ix_quiz_attempts_passed",
            "user_id",
            postgresql_where=text("passed"),
            sqlite_where=text("passed"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quiz_key: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    correct: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(default=False, server_default="0")
