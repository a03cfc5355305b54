"""The science-quiz engine: the question bank (``data/quizzes.yaml``) and the marking of one
person's answers.

Pure: no database and no Flask. A quiz is a short set of multiple-choice questions, each with
the right option, an explanation and the source it is checked against (both languages); a quiz
is passed with at least ``pass_mark`` right answers. Passing earns the knowledge badge; quizzes
never earn carbon points.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

DATA_FILE: Final = Path(__file__).resolve().parent / "data" / "quizzes.yaml"
# Seconds after the time allowed in which a submission still counts: the network and a slow
# phone, not extra thinking time.
GRACE: Final = timedelta(seconds=30)
_CJK: Final = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Text:
    zh: str
    en: str


@dataclass(frozen=True)
class Source:
    """Where an answer is checked, cited as published (a Chinese document by its Chinese title,
    an English one by its English title)."""

    title: str
    issuer: str
    year: int
    url: str | None

    @property
    def lang(self) -> str:
        """The language the citation is written in: "zh" or "en"."""
        return "zh" if _CJK.search(self.title + self.issuer) else "en"


@dataclass(frozen=True)
class Option:
    key: str
    label: Text


@dataclass(frozen=True)
class Question:
    key: str
    prompt: Text
    options: tuple[Option, ...]
    answer: str  # the right option's key
    explanation: Text
    source: Source

    def option(self, key: str | None) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Quiz:
    key: str
    title: Text
    summary: Text
    minutes: int
    pass_mark: int
    questions: tuple[Question, ...]

    @property
    def time_allowed(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    def deadline(self, started_at: datetime) -> datetime:
        """When a submission stops counting (the time allowed plus the grace)."""
        return started_at + self.time_allowed + GRACE


@dataclass(frozen=True)
class Marking:
    """How one set of answers scored: right answers, questions, passed, and the right/wrong of
    each question by key."""

    correct: int
    total: int
    passed: bool
    right: Mapping[str, bool]


def _text(entry: Mapping[str, Any], *, extra: frozenset[str] = frozenset()) -> Text:
    """Both languages of a text; any other key (a flow mapping split at an unquoted comma,
    say) is refused rather than silently dropped."""
    if set(entry) != {"zh", "en"} | extra:
        raise ValueError(f"a text needs exactly zh and en, not {sorted(entry)}")
    return Text(str(entry["zh"]), str(entry["en"]))


def _question(quiz: str, entry: Mapping[str, Any]) -> Question:
    key = str(entry["key"])
    options = tuple(
        Option(str(o["key"]), _text(o, extra=frozenset({"key"}))) for o in entry["options"]
    )
    keys = [o.key for o in options]
    if len(options) < 2 or len(set(keys)) != len(keys):
        raise ValueError(f"quiz {quiz}, question {key}: at least two options, keys unique")
    if entry["answer"] not in keys:
        raise ValueError(f"quiz {quiz}, question {key}: the answer is not one of the options")
    source = entry["source"]
    return Question(
        key=key,
        prompt=_text(entry["prompt"]),
        options=options,
        answer=str(entry["answer"]),
        explanation=_text(entry["explanation"]),
        source=Source(
            str(source["title"]), str(source["issuer"]), int(source["year"]), source.get("url")
        ),
    )


def _quiz(entry: Mapping[str, Any]) -> Quiz:
    key = str(entry["key"])
    questions = tuple(_question(key, q) for q in entry["questions"])
    question_keys = [q.key for q in questions]
    if not questions or len(set(question_keys)) != len(question_keys):
        raise ValueError(f"quiz {key}: at least one question, keys unique")
    minutes, pass_mark = int(entry["minutes"]), int(entry["pass_mark"])
    if not 1 <= minutes <= 120:
        raise ValueError(f"quiz {key}: minutes must be between 1 and 120")
    if not 1 <= pass_mark <= len(questions):
        raise ValueError(f"quiz {key}: the pass mark must be between 1 and the questions")
    return Quiz(key, _text(entry["title"]), _text(entry["summary"]), minutes, pass_mark, questions)


def parse_quizzes(data: Mapping[str, Any]) -> tuple[Quiz, ...]:
    """The quizzes of a parsed data file, in its order; ValueError for a malformed entry."""
    quizzes = tuple(_quiz(entry) for entry in data["quizzes"])
    keys = [q.key for q in quizzes]
    if len(set(keys)) != len(keys):
        raise ValueError("quiz keys must be unique")
    return quizzes


@cache
def load_quizzes() -> tuple[Quiz, ...]:
    """The quizzes of ``data/quizzes.yaml`` (read once)."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return parse_quizzes(yaml.safe_load(handle))


def get_quiz(key: str) -> Quiz | None:
    return next((q for q in load_quizzes() if q.key == key), None)


def unanswered(quiz: Quiz, answers: Mapping[str, str]) -> list[Question]:
    """The questions of ``quiz`` with no answer, or an answer that is none of its options."""
    return [q for q in quiz.questions if q.option(answers.get(q.key)) is None]


def mark(quiz: Quiz, answers: Mapping[str, str]) -> Marking:
    """Score ``answers`` (question key → option key); a missing or unknown answer is wrong."""
    right = {q.key: answers.get(q.key) == q.answer for q in quiz.questions}
    correct = sum(right.values())
    return Marking(correct, len(quiz.questions), correct >= quiz.pass_mark, right)


def sample_answers(quiz: Quiz, right: int) -> dict[str, str]:
    """Answers with the first ``right`` questions right and the rest wrong (the first wrong
    option): the demo's attempts and the tests'."""
    return {
        q.key: q.answer if n < right else next(o.key for o in q.options if o.key != q.answer)
        for n, q in enumerate(quiz.questions)
    }
