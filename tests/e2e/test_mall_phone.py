"""On a 375-px phone, in Chinese: a citizen redeems an offer in the points mall and sees the
voucher's QR code; the merchant's staff check it by typing its code (the camera cannot run
headless, so this is the page's typed fallback), and a second check is refused."""

from __future__ import annotations

from playwright.sync_api import Dialog, Page, expect

from tests.e2e.test_carbon_account import log_in

WIDTH = 375


# What the offer page, its redeem link, the confirmation heading and the success message say.
Words = tuple[str, str, str, str]
ZH: Words = ("使用条款", "兑换", "确认兑换", "兑换成功")


def accept_dialog(dialog: Dialog) -> None:
    dialog.accept()


def redeem_offer(page: Page, mall_url: str, title: str, words: Words) -> None:
    """Open the offer titled ``title`` from the mall, redeem it and confirm."""
    on_offer, redeem_link, heading, done = words
    page.goto(mall_url)
    page.locator(".offer-card a", has_text=title).click()
    expect(page.locator("main")).to_contain_text(on_offer)
    page.locator("a", has_text=redeem_link).last.click()
    expect(page.locator("h1")).to_contain_text(heading)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(done)


def test_redeem_see_the_qr_and_staff_check_it(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    page.on("dialog", accept_dialog)
    log_in(page, live_server, "13900001003")  # a Jilin City citizen, where the shop serves
    redeem_offer(page, live_server + "/mall/?city=220200", "有机蔬菜九折券", ZH)
    qr = page.locator("img.voucher-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('img.voucher-qr').naturalWidth") > 0
    box = qr.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    code = page.locator(".voucher-code").inner_text().strip()
    assert len(code) == 19

    page.context.clear_cookies()
    log_in(page, live_server, "13900000003")
    page.goto(live_server + "/merchant/")
    page.locator("a", has_text="核销券码").click()
    page.locator("#code").fill(code.replace("-", " ").lower())
    page.locator("#code-form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("有机蔬菜九折券")
    page.locator("button", has_text="确认核销").click()
    expect(page.locator(".flash-success")).to_contain_text("核销成功")
    page.locator("#code").fill(code)
    page.locator("#code-form button[type=submit]").click()
    expect(page.locator("main .tag")).to_contain_text("已使用")
    expect(page.locator("button", has_text="确认核销")).to_have_count(0)
