"""On a 375-px phone, in Chinese: the demo citizen opens the running campaign from the list and
sees the countdown, the budget used, the multipliers and their own bonus, without scrolling
sideways; the past campaign says its data source. Then the campaign pages, public and the
operator's, at 375 and 1280 px in both languages, screenshotted for review."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_carbon_account import log_in

WIDTH = 375
SHOTS = Path("test-results")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_citizen_follows_the_running_campaign_on_a_phone(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    page.clock.install()
    log_in(page, live_server, "13900000001")
    page.goto(live_server + "/campaigns")
    expect(page.locator("h2", has_text="正在进行")).to_be_visible()
    _shot(page, "campaigns-375-zh")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.locator(".project-card a", has_text="江城冬季低碳月").click()
    expect(page.locator(".countdown")).to_contain_text("后结束")
    before = page.locator(".countdown").inner_text()
    page.clock.run_for(61_000)  # the script ticks it down a minute
    expect(page.locator(".countdown")).not_to_have_text(before)
    expect(page.locator(".countdown")).to_contain_text("后结束")
    expect(page.locator('[role="progressbar"]')).to_be_visible()
    expect(page.locator(".progress-text")).to_contain_text("人参与")
    expect(page.locator(".my-bonus")).to_contain_text("你目前已获奖励")
    expect(page.locator("table")).to_contain_text("×2")
    _shot(page, "campaign-375-zh")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.goto(live_server + "/campaigns")
    page.locator(".project-card a", has_text="节能宣传周").click()
    expect(page.locator("#source-title")).to_contain_text("全国节能宣传周")
    expect(page.locator(".countdown")).to_contain_text("已结束")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_campaign_pages_fit_phones_and_desktops(
    browser: Browser, live_server: str, width: int, locale: str
) -> None:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, "admin@demo.tanhui-jilin.cn")
        page.goto(live_server + "/campaigns")
        _shot(page, f"campaigns-{locale}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator(".project-card a").first.click()
        expect(page.locator(".countdown")).to_be_visible()
        _shot(page, f"campaign-{locale}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for name, path in (
            ("admin-campaigns", "/admin/campaigns"),
            ("admin-new", "/admin/campaigns/new"),
        ):
            page.goto(live_server + path)
            _shot(page, f"{name}-{locale}-{width}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
