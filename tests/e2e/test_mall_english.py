"""On a 375-px phone, in English: a Changchun citizen redeems the cycling centre's bike pass,
cancels the voucher after confirming, and sees the points back in the carbon account."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_carbon_account import log_in
from tests.e2e.test_mall_phone import accept_dialog, redeem_offer

WIDTH = 375


def _balance(page: Page, base: str) -> int:
    page.goto(base + "/me/")
    return int(re.sub(r"\D", "", page.locator(".counters .stat-value").first.inner_text()))


def test_redeem_and_cancel_in_english(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    page.on("dialog", accept_dialog)
    log_in(page, live_server, "13900001001")
    if page.locator("html").get_attribute("lang") != "en":  # another journey may have switched
        page.locator("summary.menu-toggle").click()
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    before = _balance(page, live_server)

    words = ("Unlimited rides for 7 days", "Redeem", "Confirm", "Redeemed")
    redeem_offer(page, live_server + "/mall/?city=220100", "7-day shared bike pass", words)
    expect(page.locator("img.voucher-qr")).to_be_visible()
    assert _balance(page, live_server) == before - 800

    page.go_back()
    page.locator("button", has_text="Cancel and refund 800 points").click()
    expect(page.locator(".flash-success")).to_contain_text("800 points were refunded")
    expect(page.locator("main")).to_contain_text("Cancelled")
    assert _balance(page, live_server) == before
