"""On a 375-px phone, in Chinese: the demo citizen donates points to a public-welfare project
through the confirmation step and opens the donation certificate's public verification page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_carbon_account import log_in

WIDTH = 375


def test_citizen_donates_and_opens_the_certificate(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, "13900000001")
    page.goto(live_server + "/welfare")
    page.locator(".project-card a", has_text="乡村小学太阳能板").click()
    expect(page.locator('[role="progressbar"]')).to_be_visible()
    page.locator("a", has_text="捐赠积分").click()
    page.get_by_label("捐赠积分数").fill("1.5")
    page.locator("button", has_text="下一步").click()
    expect(page.locator(".error")).to_contain_text("整数")
    page.get_by_label("捐赠积分数").fill("66")
    page.locator("button", has_text="下一步").click()
    expect(page.locator("h1")).to_have_text("确认捐赠")
    page.locator("button", has_text="确认捐赠66积分").click()
    expect(page.locator(".flash-success")).to_contain_text("已捐赠66积分")
    page.locator("a", has_text="查验您的捐赠证书").click()
    expect(page).to_have_url(re.compile(r"/verify/"))
    expect(page.locator(".cert-valid")).to_contain_text("有效")
    expect(page.locator(".cert-facts")).to_contain_text("66 碳积分")
    expect(page.locator(".cert-facts")).to_contain_text("林小绿")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
