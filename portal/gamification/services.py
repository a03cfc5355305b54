"""Gamification commands: award what people's new activity has earned (the ``badges`` job), mark
a citizen's new awards seen once their toast has shown them, and start and submit science
quizzes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, delete, select, update

from portal.clock import local_date, utcnow
from portal.db import insert_or_skip, session, transaction
from portal.errors import Conflict, InvalidInput, NotFound
from portal.gamification.models import BadgeAward, BadgeQueue, QuizAttempt
from portal.gamification.progress import list_progress
from portal.gamification.quizbank import Marking, Quiz, get_quiz, mark, unanswered
from portal.gamification.rules import LEVELS, due_awards
from portal.notifications import kinds
from portal.notifications.services import Notice, post_many

# People evaluated per transaction: a killed run loses at most one batch's work (it stays
# queued), and each batch's queries stay a few grouped statements over at most this many ids.
BATCH_SIZE = 1000
_AWARDS = cast(Table, BadgeAward.__table__)
ALREADY_COUNTED = _l("Your answers to this quiz are already counted; each quiz counts once.")
TIME_UP = _l("The time for this quiz has run out, so this attempt counts as not passed.")


@dataclass(frozen=True)
class Evaluation:
    """What a run did: people evaluated, awards (tiers) written, batches committed."""

    people: int = 0
    awarded: int = 0
    batches: int = 0


def evaluate_badges(*, batch_size: int = BATCH_SIZE) -> Evaluation:
    """Award every badge tier earned by the people queued since the last run, and post one
    notification per badge newly reached (naming its highest new tier). Run by the ``badges``
    job after quantification.

    One transaction per batch of queued people: it takes them off the queue (skipping any a
    writer holds right now, left for the next run), measures them, awards and notifies, and
    commits; a run killed at any point leaves the batch queued and nothing of it written.
    Idempotent: an award is unique per (user, badge, tier) and written by an insert that skips
    one already there, the notification has an idempotency key, so a rerun, or two runs at
    once, award and notify each tier once."""
    people = awarded = batches = 0
    while True:
        with transaction():
            user_ids = _take_queued(batch_size)
            if not user_ids:
                break
            awarded += len(award_due_badges(user_ids))
        people += len(user_ids)
        batches += 1
    return Evaluation(people, awarded, batches)


def _take_queued(limit: int) -> list[int]:
    taken = (
        select(BadgeQueue.user_id)
        .order_by(BadgeQueue.user_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(
        session().scalars(
            delete(BadgeQueue).where(BadgeQueue.user_id.in_(taken)).returning(BadgeQueue.user_id)
        )
    )


def award_due_badges(user_ids: Collection[int]) -> list[tuple[int, str, str]]:
    """Award the tiers ``user_ids``' progress has reached and they do not hold yet, and notify
    them; returns the (user id, badge key, level) written now. Flush-only: inside the caller's
    transaction (the job's batch, or the demo seed through ``evaluate_badges``)."""
    now = utcnow()
    held = set(
        session().execute(
            select(BadgeAward.user_id, BadgeAward.badge_key, BadgeAward.tier).where(
                BadgeAward.user_id.in_(user_ids)
            )
        )
    )
    # Most people evaluated earn nothing new: insert only what they lack (the unique key still
    # decides between two runs that both lack it).
    due = [a for a in due_awards(list_progress(user_ids, local_date(now))) if a not in held]
    if not due:
        return []
    db = session()
    table = _AWARDS  # Core, compiled once, sent in batches ("insertmanyvalues")
    stmt = insert_or_skip(table, ["user_id", "badge_key", "tier"])
    rows = [{"user_id": u, "badge_key": b, "tier": t, "awarded_at": now} for u, b, t in due]
    written = [
        (row.user_id, row.badge_key, row.tier)
        for row in db.execute(
            stmt.returning(table.c.user_id, table.c.badge_key, table.c.tier), rows
        )
    ]
    _notify(written)
    return written


def _notify(written: list[tuple[int, str, str]]) -> None:
    """One notification per person and badge, naming the highest tier written now: reaching
    gold at once is one message, not three."""
    highest: dict[tuple[int, str], str] = {}
    for user_id, badge_key, level in written:
        held = highest.get((user_id, badge_key))
        if held is None or LEVELS.index(level) > LEVELS.index(held):
            highest[(user_id, badge_key)] = level
    post_many(
        [
            Notice(
                user_id,
                kinds.BADGE_AWARDED,
                {"badge": badge_key, "tier": level},
                key=f"badge:{user_id}:{badge_key}:{level}",
            )
            for (user_id, badge_key), level in sorted(highest.items())
        ]
    )


def mark_badges_seen(user_id: int) -> list[tuple[str, str]]:
    """The (badge key, level) of the citizen's awards not yet shown to them, in award order,
    now marked seen (their toast is showing them). One statement, so two pages loading at once
    show each award once; a second call returns nothing. Called by the citizen's own request."""
    with transaction() as db:
        rows = db.execute(
            update(BadgeAward)
            .where(BadgeAward.user_id == user_id, BadgeAward.seen_at.is_(None))
            .values(seen_at=utcnow())
            .returning(BadgeAward.id, BadgeAward.badge_key, BadgeAward.tier)
            .execution_options(synchronize_session=False)
        ).all()
    return [(key, tier) for _id, key, tier in sorted(rows)]


def _quiz(quiz_key: str) -> Quiz:
    quiz = get_quiz(quiz_key)
    if quiz is None:
        raise NotFound(_l("There is no such quiz."))
    return quiz


def start_quiz(user_id: int, quiz_key: str) -> QuizAttempt:
    """The citizen's attempt at ``quiz_key``, started now if they have none: one counted attempt
    per person and quiz, so starting again (a second tab, a replayed request, two at once)
    returns the attempt already there, its clock still running from the first start. Called by
    the citizen's own request; NotFound for an unknown quiz."""
    _quiz(quiz_key)
    with transaction() as db:
        db.execute(
            insert_or_skip(QuizAttempt, ["user_id", "quiz_key"]).values(
                user_id=user_id, quiz_key=quiz_key, started_at=utcnow(), passed=False
            )
        )
        return db.scalars(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user_id, QuizAttempt.quiz_key == quiz_key
            )
        ).one()


def submit_quiz(user_id: int, quiz_key: str, answers: Mapping[str, str]) -> Marking:
    """Mark the citizen's answers (question key → option key) to their started attempt and
    record them once; a pass awards the knowledge badge's tiers now reached, in the same
    transaction. Never moves points.

    Refused, with nothing written: an unknown quiz (NotFound), no attempt started (NotFound),
    answers already recorded (Conflict: the first submission counts, also when two race, since
    the write is conditional on none being there), past the deadline (Conflict: the attempt
    stays unsubmitted and counts as not passed), a question unanswered or answered with
    something that is none of its options (InvalidInput naming the first)."""
    quiz = _quiz(quiz_key)
    with transaction() as db:
        attempt = db.scalars(
            select(QuizAttempt).where(
                QuizAttempt.user_id == user_id, QuizAttempt.quiz_key == quiz_key
            )
        ).one_or_none()
        if attempt is None:
            raise NotFound(_l("Start the quiz before sending answers."))
        if attempt.submitted_at is not None:
            raise Conflict(ALREADY_COUNTED)
        now = utcnow()
        if now > quiz.deadline(attempt.started_at):
            raise Conflict(TIME_UP)
        if missing := unanswered(quiz, answers):
            raise InvalidInput(
                _l(
                    "Choose one answer for question %(number)s.",
                    number=quiz.questions.index(missing[0]) + 1,
                ),
                field=missing[0].key,
            )
        marking = mark(quiz, answers)
        written = db.scalar(
            update(QuizAttempt)
            .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
            .values(
                submitted_at=now,
                answers={q.key: answers[q.key] for q in quiz.questions},
                correct=marking.correct,
                passed=marking.passed,
            )
            .returning(QuizAttempt.id)
            .execution_options(synchronize_session=False)
        )
        if written is None:
            raise Conflict(ALREADY_COUNTED)
        if marking.passed:
            award_due_badges([user_id])
    return marking
