"""The badge wall at ``/me/badges`` in Chinese and English (earned with tier and date, locked
with what is still needed), and the toast announcing new badges once."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from portal.clock import local_midnight, local_today
from portal.gamification.services import evaluate_badges
from tests import factories
from tests.web.test_zh_punctuation_pages import visible_text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
HTMX = {"HX-Request": "true"}
TOAST_LOADER = 'hx-post="/me/badges/toast"'


def _two_days_in_a_row(citizen: Any) -> None:
    """Rides yesterday and today (noon in Shanghai): 2 records, a 2-day streak, 8 km, 0.8 kg."""
    for back in (1, 0):
        noon = local_midnight(local_today() - timedelta(days=back)) + timedelta(hours=12)
        factories.credit(citizen, factories.CYCLING, noon, 4_000, 400)
    evaluate_badges()


def test_the_wall_shows_earned_and_locked_badges_in_chinese(
    client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    citizen = login_as("citizen")
    _two_days_in_a_row(citizen)
    page = client.get("/me/badges", headers=ZH)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "我的勋章" in text and "低碳起步" in text
    assert re.search(r"铜级\s*" + local_today().isoformat(), text)  # earned, with its date
    assert "还差 1 天" in text  # the streak's bronze needs 3 days in a row
    assert "还差 2 千米" in text  # cycling bronze: 10 km
    assert "还差 0.2 千克" in text  # reducer bronze: 1 kg
    assert "即将推出" not in text  # every badge's measure is recorded now
    assert 'role="img"' in page.text and "<title>低碳起步 · 铜级</title>" in page.text
    assert "<title>坚持不懈 · 尚未获得</title>" in page.text


def test_the_wall_reads_in_english(client: FlaskClient, login_as: Any, methodologies: Any) -> None:
    citizen = login_as("citizen")
    _two_days_in_a_row(citizen)
    page = client.get("/me/badges", headers=EN).text
    text = visible_text(page[page.index("<main") :])  # the header shows the test user's name
    assert "My badges" in text and "Green start" in text and "Bronze" in text
    assert "1 more day in a row to Bronze" in text and "2 km more to Bronze" in text
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("中文", ""))


def test_a_citizen_without_activity_sees_every_badge_locked(
    client: FlaskClient, login_as: Any
) -> None:
    login_as("citizen")
    text = visible_text(client.get("/me/badges", headers=EN).text)
    assert "You have earned 0 badges of 11." in text and "1 more record to Bronze" in text


def test_a_new_badge_is_announced_once_and_reaches_the_inbox(
    client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    citizen = login_as("citizen")
    assert TOAST_LOADER not in client.get("/me/", headers=ZH).text
    _two_days_in_a_row(citizen)
    page = client.get("/me/", headers=ZH).text
    assert TOAST_LOADER in page and 'aria-live="polite"' in page
    toast = client.post("/me/badges/toast", headers={**ZH, **HTMX})
    assert toast.status_code == 200
    assert "新勋章" in toast.text and "低碳起步 · 铜级" in toast.text
    assert 'data-dismiss="toast"' in toast.text
    assert TOAST_LOADER not in client.get("/me/", headers=ZH).text  # seen: shown once
    assert client.post("/me/badges/toast", headers=HTMX).text.strip() == ""
    inbox = visible_text(client.get("/me/notifications", headers=ZH).text)
    assert "新勋章：低碳起步" in inbox


def test_nobody_logged_in_gets_a_toast_or_the_wall(client: FlaskClient, db: Any) -> None:
    assert TOAST_LOADER not in client.get("/", headers=ZH).text
    assert client.get("/me/badges").status_code == 302  # to the login page
