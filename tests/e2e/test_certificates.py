"""On a 375-px phone, in Chinese: the demo citizen finds their milestone certificate, opens its
public verification page and the printable page with its QR code."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_carbon_account import log_in

WIDTH = 375


def test_citizen_opens_their_certificate_and_its_verify_page(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, "13900000001")
    page.goto(live_server + "/me/certificates")
    expect(page.locator(".cert-list")).to_contain_text("碳减排里程碑：累计减排 10 千克")
    page.locator(".cert-list a", has_text="查验页面").first.click()
    expect(page.locator(".cert-valid")).to_contain_text("有效")
    expect(page.locator(".cert-facts")).to_contain_text("林小绿")
    assert (
        "13900000001" not in page.locator("main").inner_html()
    )  # the header shows it to its owner
    page.locator("a", has_text="可打印证书").click()
    qr = page.locator(".cert-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    expect(page.locator(".cert-url")).to_contain_text("/verify/")
