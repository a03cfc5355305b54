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


def _with_places(place: int | None, before: int | None) -> dict[str, Any]:
    return report_params(date(2026, 11, 1), {"food": 500}, 400, [], (place, before))


def test_the_rank_change_reads_in_chinese(client: FlaskClient, login_as: Any) -> None:
    assert "您在本月排行榜上上升了3名（第12名 → 第9名）。" in _inbox(
        client, login_as, _with_places(9, 12), ZH
    )
    assert "您在本月排行榜上下降了1名（第2名 → 第3名）。" in _inbox(
        client, login_as, _with_places(3, 2), ZH
    )
    assert "您首次登上本月排行榜：第4名。" in _inbox(client, login_as, _with_places(4, None), ZH)
    assert "名次保持不变：第1名。" in _inbox(client, login_as, _with_places(1, 1), ZH)


def test_the_rank_change_reads_in_english(client: FlaskClient, login_as: Any) -> None:
    up = _inbox(client, login_as, _with_places(9, 12), EN)
    assert "You moved up 3 places on the month's board (12th → 9th)." in up
    down = _inbox(client, login_as, _with_places(23, 22), EN)
    assert "You moved down 1 place on the month's board (22nd → 23rd)." in down
    assert "New on the month's board: 11th." in _inbox(client, login_as, _with_places(11, None), EN)
    assert "You kept your place on the month's board: 1st." in _inbox(
        client, login_as, _with_places(1, 1), EN
    )


def test_no_place_says_nothing_of_rank(client: FlaskClient, login_as: Any) -> None:
    params = _with_places(None, 5)
    assert "place" not in params and "previous_place" not in params
    text = _inbox(client, login_as, params, EN)
    assert "board" not in text and "排行榜" not in _inbox(client, login_as, params, ZH)
