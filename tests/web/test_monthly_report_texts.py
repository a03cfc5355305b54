"""The monthly report in the inbox, in Chinese and English: the month, the grams by category,
the change against the month before and the badges earned."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask.testing import FlaskClient

from portal.notifications import kinds
from portal.reports.monthly import report_params
from tests import factories
from tests.web.test_zh_punctuation_pages import visible_text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
NOVEMBER = report_params(
    date(2026, 11, 1),
    {"transport": 1500, "food": 500},
    1600,
    [["first_record", "bronze"], ["cyclist", "silver"]],
)


def _inbox(client: FlaskClient, login_as: Any, params: dict[str, Any], headers: Any) -> str:
    citizen = login_as("citizen")
    factories.make_notification(citizen, kinds.MONTHLY_REPORT, params)
    page = client.get("/me/notifications", headers=headers).text
    return visible_text(page[page.index("<main") :])


def test_the_report_reads_in_chinese(client: FlaskClient, login_as: Any) -> None:
    text = _inbox(client, login_as, NOVEMBER, ZH)
    assert "您的2026年11月月报" in text
    assert "2026年11月，您共减排 2 千克二氧化碳当量：" in text
    assert "食 500 克" in text and "行 1.5 千克" in text
    assert "比上个月多 400 克（25%）" in text
    assert "获得勋章：低碳起步（铜级）和" in text


def test_the_report_reads_in_english(client: FlaskClient, login_as: Any) -> None:
    text = _inbox(client, login_as, NOVEMBER, EN)
    assert "Your report for November 2026" in text
    assert "In November 2026 you reduced 2 kg of CO₂e: Food 500 g and Transport 1.5 kg." in text
    assert "That is 400 g (25%) more than the month before." in text
    assert "Badges earned: Green start (Bronze) and" in text
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("中文", ""))


def test_a_drop_and_a_first_month_read_as_such(client: FlaskClient, login_as: Any) -> None:
    drop = report_params(date(2026, 11, 1), {}, 800, [])
    text = _inbox(client, login_as, drop, EN)
    assert "You recorded no reductions in November 2026." in text
    first = report_params(date(2026, 11, 1), {"food": 10}, 0, [])
    text = _inbox(client, login_as, first, EN)
    assert "you reduced 10 g of CO₂e: Food 10 g. Nothing was recorded the month before." in text
