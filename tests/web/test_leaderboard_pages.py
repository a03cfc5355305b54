"""Leaderboard pages in both languages: the empty state before the first build, each board
and period, the htmx partial, pagination, "me ± 5" with the gap to the next place, and
privacy — no child's and no unlisted person's alias on any page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.clock import utcnow
from portal.gamification.leaderboards import rules
from portal.gamification.leaderboards.services import build_leaderboards
from tests import factories
from tests.web.test_merchant_pages import EN, ZH, english_sentences

pytestmark = pytest.mark.usefixtures("methodologies")


def _riders(n: int, **fields: Any) -> list[Any]:
    """``n`` listed adults who rode 1000, 990, 980 … grams this hour."""
    riders = []
    for i in range(n):
        rider = factories.make_user(
            display_name=f"骑手{i:02d}", is_publicly_listed=True, birth_year=1990, **fields
        )
        factories.credit(
            rider, factories.CYCLING, utcnow() - timedelta(minutes=5), grams=1000 - 10 * i
        )
        riders.append(rider)
    return riders


def test_before_the_first_build_the_page_says_so(client: FlaskClient, db: Any) -> None:
    zh = client.get("/leaderboards", headers=ZH)
    assert zh.status_code == 200 and "排行榜尚未生成" in zh.text and not english_sentences(zh.text)
    en = client.get("/leaderboards", headers=EN)
    assert "The leaderboards have not been built yet." in en.text


def test_every_board_and_period_in_both_languages(client: FlaskClient, db: Any) -> None:
    _riders(3, district="朝阳区")
    build_leaderboards()
    for board in rules.BOARDS:
        for period in rules.PERIODS:
            for headers in (ZH, EN):
                page = client.get(f"/leaderboards?board={board}&period={period}", headers=headers)
                assert page.status_code == 200
            assert not english_sentences(
                client.get(f"/leaderboards?board={board}&period={period}", headers=ZH).text
            )
    people = client.get("/leaderboards", headers=ZH).text
    assert "骑手00" in people and "生成于" in people
    cities = client.get("/leaderboards?board=city", headers=EN).text
    assert "Changchun" in cities and "3 people took part" in cities
    districts = client.get("/leaderboards?board=district", headers=EN).text
    assert "朝阳区" in districts
    odd = client.get("/leaderboards?board=x&period=y&page=-3", headers=EN)
    assert odd.status_code == 200 and "骑手00" in odd.text


def test_the_htmx_tabs_get_the_board_alone(client: FlaskClient, db: Any) -> None:
    _riders(1)
    build_leaderboards()
    part = client.get("/leaderboards?period=month", headers={**EN, "HX-Request": "true"})
    assert "<html" not in part.text and 'aria-current="page">This month' in part.text


def test_a_long_board_is_paged(client: FlaskClient, db: Any) -> None:
    _riders(25)
    build_leaderboards()
    first = client.get("/leaderboards", headers=EN).text
    assert "骑手19" in first and "骑手20" not in first and "Page 1 of 2" in first
    second = client.get("/leaderboards?page=2", headers=EN).text
    assert "骑手24" in second and "骑手00" not in second


def test_me_plus_minus_five_and_the_gap(client: FlaskClient, login_as: Any, db: Any) -> None:
    _riders(12)
    me = login_as("citizen", display_name="我自己", is_publicly_listed=True, birth_year=1990)
    factories.credit(me, factories.CYCLING, utcnow() - timedelta(minutes=1), grams=935)
    build_leaderboards()
    en = client.get("/leaderboards?page=2", headers=EN).text
    assert "No. 8 with 935 g" in en and "6 g more to move up one place." in en
    around = en.split('class="board board-around"')[1].split("</ol>")[0]
    assert "骑手02" in around and "骑手11" in around and "骑手01" not in around
    zh = client.get("/leaderboards", headers=ZH).text
    assert "第 8 名" in zh and not english_sentences(zh)


def test_an_unlisted_citizen_is_told_how_to_be_listed(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    me = login_as("citizen", display_name="不公开的人", birth_year=1990)
    factories.credit(me, factories.CYCLING, utcnow() - timedelta(minutes=1), grams=500)
    build_leaderboards()
    en = client.get("/leaderboards", headers=EN).text
    assert (
        "You are not on the public boards." in en and "不公开的人" not in en.split("</header>")[1]
    )


def test_no_child_and_no_unlisted_alias_on_any_public_page(client: FlaskClient, db: Any) -> None:
    child = factories.make_user(display_name="小朋友甲", birth_year=2015, is_publicly_listed=True)
    shy = factories.make_user(display_name="不愿公开乙", birth_year=1980)
    listed = factories.make_user(display_name="公开丙", birth_year=1980, is_publicly_listed=True)
    team = factories.make_team(name="三年二班")
    for person in (child, shy, listed):
        factories.join(team, person)
    for person in (child, shy, listed):
        factories.credit(person, factories.CYCLING, utcnow(), grams=300)
    build_leaderboards(utcnow() + timedelta(seconds=1))
    seen = ""
    for board in rules.BOARDS:
        for period in rules.PERIODS:
            for headers in (ZH, EN):
                seen += client.get(
                    f"/leaderboards?board={board}&period={period}", headers=headers
                ).text
    assert "公开丙" in seen and "三年二班" in seen
    assert "小朋友甲" not in seen and "不愿公开乙" not in seen
