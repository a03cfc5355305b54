"""Gamification reads: a citizen's badge wall, whether they have awards not yet shown, and
where they stand with each science quiz (and, for a class, how many took and passed each)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import exists, func, select

from portal.db import session
from portal.gamification.models import BadgeAward, QuizAttempt
from portal.gamification.progress import is_tracked, list_progress
from portal.gamification.quizbank import Quiz, load_quizzes
from portal.gamification.rules import Badge, NextStep, load_badges, next_step


@dataclass(frozen=True)
class BadgeStatus:
    """One badge on a wall: the tiers held with when each was awarded, the highest held (None:
    locked), the next tier and what it still needs (None: all held), and whether anything
    records what it counts yet."""

    badge: Badge
    awarded: dict[str, datetime]
    top_level: str | None
    next: NextStep | None
    is_tracked: bool


def list_badge_wall(user_id: int, today: date) -> list[BadgeStatus]:
    """Every badge for ``user_id``, in data order: earned ones first, then those being worked
    towards, then those nothing records yet. ``today`` is the Asia/Shanghai date (streaks)."""
    held: dict[str, dict[str, datetime]] = {}
    for key, tier, at in session().execute(
        select(BadgeAward.badge_key, BadgeAward.tier, BadgeAward.awarded_at).where(
            BadgeAward.user_id == user_id
        )
    ):
        held.setdefault(key, {})[tier] = at
    progress = list_progress([user_id], today)[user_id]
    wall = []
    for badge in load_badges():
        awarded = held.get(badge.key, {})
        top = next((t.level for t in reversed(badge.tiers) if t.level in awarded), None)
        wall.append(BadgeStatus(badge, awarded, top, next_step(badge, progress), is_tracked(badge)))
    return sorted(wall, key=lambda s: (s.top_level is None, not s.is_tracked))


def has_unseen_awards(user_id: int) -> bool:
    """Whether the citizen holds an award not yet shown in a toast (the partial index)."""
    return bool(
        session().scalar(
            select(exists().where(BadgeAward.user_id == user_id, BadgeAward.seen_at.is_(None)))
        )
    )


class QuizState(StrEnum):
    """Where a person stands with a quiz."""

    NEW = "new"  # not started
    RUNNING = "running"  # started, time left
    PASSED = "passed"
    FAILED = "failed"  # submitted below the pass mark
    TIMED_OUT = "timed_out"  # started, never submitted in time: counts as not passed


def quiz_state(quiz: Quiz, attempt: QuizAttempt | None, now: datetime) -> QuizState:
    if attempt is None:
        return QuizState.NEW
    if attempt.submitted_at is not None:
        return QuizState.PASSED if attempt.passed else QuizState.FAILED
    return QuizState.RUNNING if now <= quiz.deadline(attempt.started_at) else QuizState.TIMED_OUT


def get_quiz_attempt(user_id: int, quiz_key: str) -> QuizAttempt | None:
    return (
        session()
        .scalars(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user_id, QuizAttempt.quiz_key == quiz_key
            )
        )
        .one_or_none()
    )


def list_quiz_states(user_id: int | None, now: datetime) -> list[tuple[Quiz, QuizState]]:
    """Every quiz in data order with where ``user_id`` stands (NEW for everyone when None)."""
    attempts = {}
    if user_id is not None:
        attempts = {
            a.quiz_key: a
            for a in session().scalars(select(QuizAttempt).where(QuizAttempt.user_id == user_id))
        }
    return [(q, quiz_state(q, attempts.get(q.key), now)) for q in load_quizzes()]


@dataclass(frozen=True)
class QuizParticipation:
    """How many of a group took a quiz and passed it (never who answered what)."""

    attempted: int
    passed: int


def count_quiz_participation(user_ids: Collection[int]) -> dict[str, QuizParticipation]:
    """Per quiz key: how many of ``user_ids`` started it and how many passed, for a teacher's
    view of a class; individual answers are not read."""
    if not user_ids:
        return {}
    rows = session().execute(
        select(
            QuizAttempt.quiz_key,
            func.count(),
            func.count().filter(QuizAttempt.passed),
        )
        .where(QuizAttempt.user_id.in_(list(user_ids)))
        .group_by(QuizAttempt.quiz_key)
    )
    return {key: QuizParticipation(int(n), int(p)) for key, n, p in rows}
