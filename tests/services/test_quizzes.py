"""Science quizzes: one counted attempt per person and quiz, marked once and only in time, a
pass awarding the knowledge badge (and its notification) in the same transaction, and no
points ever moved. The two-submissions race runs on PostgreSQL with real threads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from portal.clock import utcnow
from portal.db import transaction
from portal.errors import Conflict, InvalidInput, NotFound
from portal.extensions import db as flask_db
from portal.gamification import services
from portal.gamification.models import BadgeAward, QuizAttempt
from portal.gamification.queries import (
    QuizState,
    count_quiz_participation,
    get_quiz_attempt,
    list_quiz_states,
)
from portal.gamification.quizbank import get_quiz, sample_answers
from portal.ledger.models import LedgerEntry
from portal.notifications import kinds
from portal.notifications.models import Notification
from tests import factories
from tests.conftest import needs_postgresql
from tests.races import race_at_statement

QUIZ = "climate_basics"


def _answers(right: int) -> dict[str, str]:
    """Answers to QUIZ with the first ``right`` questions right and the rest wrong."""
    quiz = get_quiz(QUIZ)
    assert quiz is not None
    return sample_answers(quiz, right)


def _age(attempt_user: int, by: timedelta) -> None:
    """Start the citizen's attempt ``by`` ago (it was just started)."""
    with transaction() as session:
        session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.user_id == attempt_user)
            .values(started_at=utcnow() - by)
        )


def test_a_pass_is_recorded_once_awards_the_badge_and_moves_no_points(db: Any) -> None:
    citizen = factories.make_user()
    services.start_quiz(citizen.id, QUIZ)
    marking = services.submit_quiz(citizen.id, QUIZ, _answers(4))
    assert (marking.correct, marking.total, marking.passed) == (4, 5, True)
    attempt = get_quiz_attempt(citizen.id, QUIZ)
    assert attempt is not None and attempt.passed and attempt.correct == 4
    assert attempt.answers == _answers(4)
    awards = db.session.execute(select(BadgeAward.badge_key, BadgeAward.tier)).all()
    assert awards == [("scholar", "bronze")]
    notice = db.session.scalars(select(Notification)).one()
    assert notice.kind == kinds.BADGE_AWARDED and notice.params == {
        "badge": "scholar",
        "tier": "bronze",
    }
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_a_fail_is_recorded_and_earns_nothing(db: Any) -> None:
    citizen = factories.make_user()
    services.start_quiz(citizen.id, QUIZ)
    assert not services.submit_quiz(citizen.id, QUIZ, _answers(3)).passed
    assert list_quiz_states(citizen.id, utcnow())[0][1] is QuizState.FAILED
    assert db.session.scalar(select(func.count()).select_from(BadgeAward)) == 0


def test_starting_again_returns_the_same_attempt_with_its_clock(db: Any) -> None:
    citizen = factories.make_user()
    first = services.start_quiz(citizen.id, QUIZ)
    _age(citizen.id, timedelta(minutes=3))
    again = services.start_quiz(citizen.id, QUIZ)
    assert again.id == first.id and utcnow() - again.started_at >= timedelta(minutes=3)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_answers_sent_twice_count_once(db: Any) -> None:
    citizen = factories.make_user()
    services.start_quiz(citizen.id, QUIZ)
    services.submit_quiz(citizen.id, QUIZ, _answers(2))
    with pytest.raises(Conflict, match="already counted"):
        services.submit_quiz(citizen.id, QUIZ, _answers(5))
    attempt = get_quiz_attempt(citizen.id, QUIZ)
    assert attempt is not None and attempt.correct == 2 and not attempt.passed


def test_answers_after_the_time_are_not_marked_and_the_attempt_counts_as_not_passed(
    db: Any,
) -> None:
    citizen = factories.make_user()
    services.start_quiz(citizen.id, QUIZ)
    _age(citizen.id, timedelta(minutes=10, seconds=31))
    with pytest.raises(Conflict, match="run out"):
        services.submit_quiz(citizen.id, QUIZ, _answers(5))
    attempt = get_quiz_attempt(citizen.id, QUIZ)
    assert attempt is not None and attempt.submitted_at is None and attempt.answers is None
    assert list_quiz_states(citizen.id, utcnow())[0][1] is QuizState.TIMED_OUT
    assert db.session.scalar(select(func.count()).select_from(BadgeAward)) == 0


def test_answers_within_the_grace_still_count(db: Any) -> None:
    citizen = factories.make_user()
    services.start_quiz(citizen.id, QUIZ)
    _age(citizen.id, timedelta(minutes=10, seconds=10))
    assert services.submit_quiz(citizen.id, QUIZ, _answers(5)).passed


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({k: v for k, v in _answers(5).items() if k != "paris_goal"}, "paris_goal"),
        ({**_answers(5), "main_gas": "water"}, "main_gas"),
    ],
)
def test_a_missing_or_made_up_answer_is_refused_naming_the_question(
    db: Any, answers: dict[str, str], field: str
) -> None:
    citizen = factories.make_user()
    services.start_quiz(citizen.id, QUIZ)
    with pytest.raises(InvalidInput) as refused:
        services.submit_quiz(citizen.id, QUIZ, answers)
    assert refused.value.field == field
    attempt = get_quiz_attempt(citizen.id, QUIZ)
    assert attempt is not None and attempt.submitted_at is None  # still open, nothing written


def test_unknown_quizzes_and_unstarted_attempts_are_refused(db: Any) -> None:
    citizen = factories.make_user()
    with pytest.raises(NotFound, match="no such quiz"):
        services.start_quiz(citizen.id, "made_up")
    with pytest.raises(NotFound, match="Start the quiz"):
        services.submit_quiz(citizen.id, QUIZ, _answers(5))


def test_a_class_sees_counts_never_answers(db: Any) -> None:
    pupils = [factories.make_user() for _ in range(3)]
    for pupil, right in zip(pupils[:2], (5, 1), strict=True):
        services.start_quiz(pupil.id, QUIZ)
        services.submit_quiz(pupil.id, QUIZ, _answers(right))
    counts = count_quiz_participation([p.id for p in pupils])
    assert counts[QUIZ].attempted == 2 and counts[QUIZ].passed == 1
    assert count_quiz_participation([]) == {}


@needs_postgresql("SQLite lets one writer in at a time")
def test_two_submissions_at_once_are_marked_once(pg_app: Flask) -> None:
    with pg_app.app_context():
        citizen_id = factories.make_user().id
        flask_db.session.commit()
        services.start_quiz(citizen_id, QUIZ)
    answers = [_answers(5), _answers(1)]
    results = race_at_statement(
        pg_app,
        "UPDATE quiz_attempts ",
        lambda n: services.submit_quiz(citizen_id, QUIZ, answers[n]),
    )
    # Both passed the "already counted?" check; the conditional update let one through.
    refused = [r for r in results if isinstance(r, Conflict)]
    marked = [r for r in results if not isinstance(r, BaseException)]
    assert len(refused) == 1 and len(marked) == 1, results
    with pg_app.app_context():
        attempt = get_quiz_attempt(citizen_id, QUIZ)
        assert attempt is not None and attempt.correct == marked[0].correct
        awards = flask_db.session.scalar(
            select(func.count()).select_from(BadgeAward).where(BadgeAward.user_id == citizen_id)
        )
        assert awards == (1 if attempt.passed else 0)
