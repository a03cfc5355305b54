"""On a 375-px phone, in English: a citizen who chose to be listed opens the leaderboards,
switches the period and the board, and sees their own place with the five around it."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from portal.accounts.models import User
from portal.activities.models import Reduction
from portal.db import session
from portal.gamification.leaderboards.services import build_leaderboards
from tests.e2e.test_carbon_account import log_in

WIDTH = 375
LOGIN = "13900001001"


def _listed_and_built(app: Flask) -> None:
    """Every demo citizen with reductions listed (adults), then the boards built."""
    with app.app_context():
        riders = select(Reduction.user_id).distinct()
        session().execute(
            update(User)
            .where(User.id.in_(riders), User.birth_year.is_(None))
            .values(is_publicly_listed=True)
        )
        session().execute(
            update(User).where(User.phone == LOGIN).values(is_publicly_listed=True, birth_year=1990)
        )
        session().commit()
        build_leaderboards()


def test_open_switch_and_see_me_in_english(page: Page, live_server: str, live_app: Flask) -> None:
    _listed_and_built(live_app)
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, LOGIN)
    page.locator("summary.menu-toggle").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_server + "/leaderboards")
    expect(page.locator("h1")).to_have_text("Leaderboards")
    expect(page.locator(".built-at")).to_contain_text("Built at")
    page.get_by_role("link", name="All time").click()
    expect(page).to_have_url(live_server + "/leaderboards?board=person&period=all")
    mine = page.locator(".my-standing")
    expect(mine).to_contain_text("No. ")
    expect(mine.locator(".place.is-me")).to_contain_text("You")
    page.screenshot(path="/tmp/lb-en-375.png", full_page=True)
    page.get_by_role("link", name="Cities").click()
    expect(page).to_have_url(live_server + "/leaderboards?board=city&period=all")
    expect(page.locator("ol.board .place").first).to_contain_text("Changchun")
    expect(page.locator(".my-standing")).to_have_count(0)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path="/tmp/lb-en-1280.png", full_page=True)
