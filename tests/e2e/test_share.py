"""A citizen on a 375-px phone, in Chinese, shares a badge from the badge wall; a stranger
opens the public page in a fresh browser (no cookies) and sees the alias and the poster; the
holder stops sharing and the page is gone. Screenshots of the new pages, 375 and 1280 px,
zh and en, go to test-results/."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.e2e.test_carbon_account import log_in

CITIZEN = "13900000001"
SHOTS = "test-results/share-{name}-{lang}-{width}.png"


def _alias(app: Flask) -> str:
    with app.app_context():
        return str(db.session.scalar(select(User.display_name).where(User.phone == CITIZEN)))


def test_a_citizen_shares_a_badge_and_a_stranger_sees_it(
    page: Page, browser: Browser, live_server: str, live_app: Flask
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_server, CITIZEN)
    page.goto(live_server + "/me/badges")
    card = page.locator(".badge-card:not(.is-locked)").first
    card.get_by_role("button", name="分享").click()
    expect(page.locator(".flash, [role=status], .alert").first).to_contain_text("公开页面")
    card = page.locator(".badge-card:not(.is-locked)").first
    link = card.get_by_role("link", name="公开页面")
    url = link.get_attribute("href")
    assert url and "/s/" in url
    page.screenshot(path=SHOTS.format(name="wall", lang="zh", width=375), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    for lang, locale in (("zh", "zh-CN"), ("en", "en-GB")):
        for width in (375, 1280):
            stranger = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            public = stranger.new_page()
            public.goto(url)
            expect(public.locator(".share-alias")).to_have_text(_alias(live_app))
            poster = public.locator(".share-poster img")
            poster.scroll_into_view_if_needed()
            public.wait_for_function(
                "() => { const i = document.querySelector('.share-poster img');"
                " return i.complete && i.naturalWidth === 1080; }"
            )
            assert public.evaluate("document.documentElement.scrollWidth") <= width
            expect(public.locator("h1")).not_to_be_empty()
            if lang == "zh":
                expect(public.locator(".share-kicker")).to_have_text("荣获勋章")
            else:
                expect(public.locator(".share-kicker")).to_have_text("Badge earned")
            public.screenshot(
                path=SHOTS.format(name="page", lang=lang, width=width), full_page=True
            )
            stranger.close()

    page.goto(live_server + "/me/badges")
    page.locator(".badge-card:not(.is-locked)").first.get_by_role("button", name="停止分享").click()
    expect(
        page.locator(".badge-card:not(.is-locked)").first.get_by_role("button", name="分享")
    ).to_be_visible()
    gone = browser.new_context()
    assert gone.new_page().goto(url).status == 404
    gone.close()
