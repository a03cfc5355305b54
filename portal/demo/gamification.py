"""Demo badges and quizzes: quiz attempts of several demo citizens (passes and a fail), then the
badges job run over the demo citizens' quantified records, donations and quizzes."""

from __future__ import annotations

from portal.demo.accounts import find_user
from portal.gamification.queries import get_quiz_attempt
from portal.gamification.quizbank import get_quiz, sample_answers
from portal.gamification.services import evaluate_badges, start_quiz, submit_quiz

# (login, quiz key, how many of its questions answered right, in order)
QUIZ_ATTEMPTS = (
    ("13900000001", "forests_and_sinks", 5),
    ("13900000001", "climate_basics", 4),
    ("13900001002", "climate_basics", 5),
    ("13900001003", "climate_basics", 3),
    ("13900001004", "low_carbon_living", 4),
)


def seed_quizzes() -> int:
    """Take the demo quizzes once (idempotent: an attempt already there is left as it is);
    returns how many attempts were new."""
    taken = 0
    for login, quiz_key, right in QUIZ_ATTEMPTS:
        user, quiz = find_user(login), get_quiz(quiz_key)
        if user is None or quiz is None or get_quiz_attempt(user.id, quiz_key) is not None:
            continue
        start_quiz(user.id, quiz_key)
        submit_quiz(user.id, quiz_key, sample_answers(quiz, right))
        taken += 1
    return taken


def seed_badges() -> int:
    """Award the badges the demo activity has earned (idempotent); returns how many were new."""
    return evaluate_badges().awarded
