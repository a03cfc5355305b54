"""The science-quiz engine without an app: the question bank is well formed in both languages
with a source for every answer, malformed data is refused by name, and marking counts."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from portal.gamification.quizbank import (
    DATA_FILE,
    GRACE,
    get_quiz,
    load_quizzes,
    mark,
    parse_quizzes,
    unanswered,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _data() -> dict[str, Any]:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


def test_every_question_has_both_languages_an_explanation_and_a_source() -> None:
    quizzes = load_quizzes()
    assert len(quizzes) >= 3
    for quiz in quizzes:
        assert CJK.search(quiz.title.zh) and not CJK.search(quiz.title.en)
        assert 1 <= quiz.pass_mark <= len(quiz.questions)
        for question in quiz.questions:
            for text in (
                question.prompt,
                question.explanation,
                *(o.label for o in question.options),
            ):
                assert text.zh and text.en and not CJK.search(text.en), text
            assert question.option(question.answer) is not None
            assert question.source.title and question.source.issuer
            assert 1990 <= question.source.year <= 2026


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda q: q["questions"][0].update(answer="nope"), "the answer is not one of the options"),
        (lambda q: q.update(pass_mark=99), "the pass mark must be between 1"),
        (lambda q: q.update(pass_mark=0), "the pass mark must be between 1"),
        (lambda q: q.update(minutes=0), "minutes must be between 1 and 120"),
        (
            lambda q: q["questions"][0].update(options=q["questions"][0]["options"][:1]),
            "at least two options",
        ),
        (lambda q: q["questions"].append(copy.deepcopy(q["questions"][0])), "keys unique"),
    ],
)
def test_malformed_quizzes_are_refused_naming_the_quiz(change: Any, problem: str) -> None:
    data = _data()
    change(data["quizzes"][0])
    with pytest.raises(ValueError, match=problem) as refused:
        parse_quizzes(data)
    assert "climate_basics" in str(refused.value)


def test_two_quizzes_with_one_key_are_refused() -> None:
    data = _data()
    data["quizzes"].append(copy.deepcopy(data["quizzes"][0]))
    with pytest.raises(ValueError, match="quiz keys must be unique"):
        parse_quizzes(data)


def test_marking_counts_right_answers_and_the_pass_mark() -> None:
    quiz = get_quiz("climate_basics")
    assert quiz is not None and quiz.pass_mark == 4 and len(quiz.questions) == 5
    right = {q.key: q.answer for q in quiz.questions}
    assert mark(quiz, right).correct == 5 and mark(quiz, right).passed
    one_wrong = {**right, "main_gas": "ch4"}
    marking = mark(quiz, one_wrong)
    assert (marking.correct, marking.passed, marking.right["main_gas"]) == (4, True, False)
    two_wrong = {**one_wrong, "paris_goal": "d4"}
    assert (mark(quiz, two_wrong).correct, mark(quiz, two_wrong).passed) == (3, False)
    assert mark(quiz, {}).correct == 0  # missing answers are wrong


def test_unanswered_names_missing_and_unknown_answers_in_order() -> None:
    quiz = get_quiz("climate_basics")
    assert quiz is not None
    answers = {q.key: q.answer for q in quiz.questions}
    assert unanswered(quiz, answers) == []
    answers["paris_goal"] = "d9"  # none of its options
    del answers["dual_carbon"]
    assert [q.key for q in unanswered(quiz, answers)] == ["paris_goal", "dual_carbon"]


def test_the_deadline_is_the_time_allowed_plus_a_short_grace() -> None:
    quiz = get_quiz("climate_basics")
    assert quiz is not None
    start = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    assert quiz.deadline(start) == start + timedelta(minutes=quiz.minutes) + GRACE
    assert timedelta(minutes=1) >= GRACE


def test_a_text_split_by_an_unquoted_comma_is_refused() -> None:
    data = yaml.safe_load("quizzes: []")
    broken = yaml.safe_load("{zh: 森林、海洋, en: Forests, oceans}")
    assert set(broken) == {"zh", "en", "oceans"}  # what YAML makes of it
    data["quizzes"] = _data()["quizzes"][:1]
    data["quizzes"][0]["title"] = broken
    with pytest.raises(ValueError, match="exactly zh and en"):
        parse_quizzes(data)
