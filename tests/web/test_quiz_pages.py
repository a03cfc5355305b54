"""Science-quiz pages: the public list and quiz page in both languages, a citizen's attempt
from start to the explained result, and the bad input (a missing answer, answers sent twice or
after the time, no login, no CSRF token)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from portal.clock import utcnow
from portal.db import transaction
from portal.gamification.models import BadgeAward, QuizAttempt
from portal.gamification.quizbank import get_quiz
from tests.web.test_merchant_pages import EN, ZH, english_sentences
from tests.web.test_zh_punctuation_pages import visible_text

QUIZ = "climate_basics"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _right_answers() -> dict[str, str]:
    quiz = get_quiz(QUIZ)
    assert quiz is not None
    return {q.key: q.answer for q in quiz.questions}


def test_the_list_and_quiz_page_read_in_chinese_without_login(client: FlaskClient) -> None:
    page = client.get("/learn", headers=ZH)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "科普测验" in text and "气候变化入门" in text and "5 道题" in text
    assert english_sentences(page.text) == []
    quiz = client.get(f"/learn/{QUIZ}", headers=ZH)
    assert "登录后参加测验" in quiz.text and "答对 4 题" in visible_text(quiz.text)
    assert english_sentences(quiz.text) == []
    assert client.get("/learn/made_up", headers=ZH).status_code == 404


def test_the_list_reads_in_english(client: FlaskClient) -> None:
    page = client.get("/learn", headers=EN).text
    text = visible_text(page[page.index("<main") :])
    assert "Science quizzes" in text and "Climate change basics" in text
    assert not CJK.search(text.replace("中文", ""))


def test_a_visitor_must_log_in_to_start(client: FlaskClient) -> None:
    started = client.post(f"/learn/{QUIZ}/start")
    assert started.status_code == 302 and "/auth/login" in started.headers["Location"]
    assert client.get(f"/learn/{QUIZ}/attempt").status_code == 302


def test_a_citizen_takes_a_quiz_and_sees_each_answer_explained(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    citizen = login_as("citizen")
    started = client.post(f"/learn/{QUIZ}/start", headers=ZH)
    assert started.headers["Location"].endswith(f"/learn/{QUIZ}/attempt")
    sheet = client.get(f"/learn/{QUIZ}/attempt", headers=ZH)
    assert "人类活动排放的哪种温室气体" in sheet.text and 'type="radio"' in sheet.text
    assert english_sentences(sheet.text) == []
    answers = {**_right_answers(), "main_gas": "ch4"}  # 4 of 5: a pass
    sent = client.post(f"/learn/{QUIZ}/attempt", data=answers, headers=ZH, follow_redirects=True)
    text = visible_text(sent.text)
    assert "恭喜，你通过了这个测验" in text and "答对 4 题（共 5 题）" in text
    assert "错误" in text and "正确答案：" in text and "甲烷次之" in text  # the explanation
    assert "IPCC" in text  # the source
    assert english_sentences(sent.text) == []  # English citations are marked lang="en"
    held = db.session.execute(select(BadgeAward.badge_key).where(BadgeAward.user_id == citizen.id))
    assert held.scalars().all() == ["scholar"]
    listed = visible_text(client.get("/learn", headers=ZH).text)
    assert "已通过" in listed


def test_the_result_reads_in_english(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    client.post(f"/learn/{QUIZ}/start", headers=EN)
    sent = client.post(
        f"/learn/{QUIZ}/attempt", data=_right_answers(), headers=EN, follow_redirects=True
    )
    text = visible_text(sent.text)
    assert "Well done: you passed this quiz." in text and "5 of 5 right" in text
    assert "Methane comes second" in text or "methane comes second" in text


def test_a_missing_answer_keeps_the_sheet_with_the_question_marked(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    citizen = login_as("citizen")
    client.post(f"/learn/{QUIZ}/start")
    answers = _right_answers()
    del answers["paris_goal"]
    sent = client.post(f"/learn/{QUIZ}/attempt", data=answers, headers=ZH)
    assert sent.status_code == 422
    assert sent.text.count('class="error"') == 1  # on that question only
    assert re.search(r'id="paris_goal-error">请选择一个答案。<', sent.text)
    assert re.search(r'<input checked [^>]*value="co2"', sent.text)  # other answers kept
    attempt = db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == citizen.id)).one()
    assert attempt.submitted_at is None
    bogus = client.post(f"/learn/{QUIZ}/attempt", data={**answers, "paris_goal": "d9"}, headers=ZH)
    assert bogus.status_code == 422


def test_answers_sent_again_or_late_are_not_marked(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    citizen = login_as("citizen")
    client.post(f"/learn/{QUIZ}/start")
    client.post(
        f"/learn/{QUIZ}/attempt", data={**_right_answers(), "main_gas": "o3", "paris_goal": "d1"}
    )
    again = client.post(
        f"/learn/{QUIZ}/attempt", data=_right_answers(), headers=ZH, follow_redirects=True
    )
    assert "每个测验只计一次" in again.text and "答对 3 题（共 5 题）" in visible_text(again.text)
    other = "low_carbon_living"
    client.post(f"/learn/{other}/start")
    with transaction() as session:
        session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.user_id == citizen.id, QuizAttempt.quiz_key == other)
            .values(started_at=utcnow() - timedelta(minutes=11))
        )
    late = client.post(f"/learn/{other}/attempt", data={}, headers=ZH, follow_redirects=True)
    text = visible_text(late.text)
    assert "答题时间已到" in text and "规定时间内没有收到答案" in text
    assert db.session.scalar(select(func.count()).select_from(BadgeAward)) == 0


def test_starting_needs_the_csrf_token(client: FlaskClient, login_as: Any, csrf_on: Any) -> None:
    login_as("citizen")
    assert client.post(f"/learn/{QUIZ}/start").status_code == 400
