"""A student on a 375-px phone, in Chinese, takes a science quiz: starts it, answers every
question, sees each answer explained with its source, and the toast announces the Science
whizz badge."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portal.gamification.quizbank import get_quiz
from tests.e2e.test_carbon_account import log_in

STUDENT = "13900001005"  # a demo citizen who has taken no quiz (and reads Chinese)


def test_a_student_takes_a_quiz_and_gets_a_badge(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_server, STUDENT)
    page.goto(live_server + "/learn")
    expect(page.locator("h1")).to_have_text("科普测验")
    page.get_by_role("link", name="气候变化入门").click()
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator(".quiz-question")).to_have_count(5)
    page.screenshot(path="test-results/quiz-sheet-phone.png", full_page=True)
    quiz = get_quiz("climate_basics")
    assert quiz is not None
    page.get_by_role("button", name="提交答案").click()  # nothing chosen: every question marked
    expect(page.locator(".quiz-question.has-error")).to_have_count(5)
    for question in quiz.questions:
        page.locator(f"input[name={question.key}][value={question.answer}]").check()
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator(".flash")).to_contain_text("恭喜，你通过了这个测验")
    expect(page.locator(".quiz-score")).to_contain_text("答对 5 题（共 5 题）")
    expect(page.locator(".quiz-review > li")).to_have_count(5)
    expect(page.locator(".quiz-review cite").first).to_contain_text("IPCC")
    expect(page.locator(".toast")).to_contain_text("科普达人")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path="test-results/quiz-result-phone.png", full_page=True)
