"""A citizen on a 375-px phone, in Chinese: the toast announces their new badges once, closes,
and the badge wall shows earned medals with their dates and locked ones with what is left."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from portal.accounts.models import User
from portal.extensions import db
from portal.gamification.models import BadgeAward
from tests.e2e.test_carbon_account import log_in

CITIZEN = "13900000001"


def _unsee_badges(app: Flask) -> None:
    """Another journey may have shown the demo citizen's toast already: show it again."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.phone == CITIZEN))
        db.session.execute(
            update(BadgeAward).where(BadgeAward.user_id == user_id).values(seen_at=None)
        )
        db.session.commit()


def test_the_badge_wall_on_a_phone_in_chinese(
    page: Page, live_server: str, live_app: Flask
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    _unsee_badges(live_app)
    log_in(page, live_server, CITIZEN)
    toast = page.locator(".toast")
    expect(toast).to_contain_text("新勋章")
    expect(toast.locator("svg[role=img] title").first).to_contain_text("级")
    toast.locator("[data-dismiss=toast]").click()
    expect(toast).to_have_count(0)

    page.goto(live_server + "/me/badges")
    expect(page.locator(".toast")).to_have_count(0)  # shown once
    expect(page.locator("h1")).to_have_text("我的勋章")
    earned = page.locator(".badge-card:not(.is-locked)")
    expect(earned.first.locator(".tier.is-earned time").first).to_be_visible()
    # Every badge's measure is recorded now: no card carries the 即将推出 tag.
    expect(page.locator(".badge-card", has_text="即将推出")).to_have_count(0)
    expect(page.locator(".badge-next", has_text="还差").first).to_be_visible()
    cards = page.locator(".badge-card")
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert first and second and first["y"] == second["y"]  # two medals a row on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path="test-results/badge-wall-phone.png", full_page=True)
