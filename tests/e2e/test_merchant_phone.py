"""A merchant on a phone: a citizen applies on behalf of a shop, the ecology official approves,
and the new merchant's manager creates an offer with a picture and publishes it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_carbon_account import log_in
from tests.e2e.test_mall_phone import accept_dialog
from tests.factories.merchants import VALID_USCC, image_bytes


def test_apply_be_approved_and_publish_an_offer(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    page.on("dialog", accept_dialog)
    log_in(page, live_server, "13900001002")  # a demo citizen with no organisation
    page.goto(live_server + "/merchant/apply")
    page.locator("#name_zh").fill("净月低碳书店（演示）")
    page.locator("#name_en").fill("Jingyue Low-carbon Bookshop (demo)")
    page.locator("#unified_credit_code").fill(VALID_USCC[0])
    page.locator("#category").select_option("online_shop")
    page.locator("#contact_name").fill("净月跑友")
    page.locator("#contact_phone").fill("13900001002")
    page.locator("input[name=city_codes][value='220100']").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main table.cards")).to_contain_text("待审核")

    page.context.clear_cookies()
    log_in(page, live_server, "official@demo.tanhui-jilin.cn")
    page.goto(live_server + "/official/merchants")
    page.locator("main tr", has_text="净月低碳书店").locator("td.card-action a").click()
    page.locator("#reason").fill("材料齐全")
    page.locator("button[value=approve]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.context.clear_cookies()
    log_in(page, live_server, "13900001002")
    page.goto(live_server + "/merchant/")
    expect(page.locator("h1")).to_have_text("净月低碳书店（演示）")
    page.locator("main a.btn-primary").click()
    picture = tmp_path / "book.png"
    picture.write_bytes(image_bytes())
    page.locator("#title_zh").fill("旧书换新书八折券")
    page.locator("#title_en").fill("20% off when you bring an old book")
    page.locator("#terms_zh").fill("带一本旧书到店，新书八折。")
    page.locator("#terms_en").fill("Bring an old book for 20% off a new one.")
    page.locator("#points_cost").fill("600")
    page.locator("#inventory").fill("30")
    page.locator("#per_person_limit").fill("1")
    page.locator("#valid_from").fill("2026-01-01T09:00")
    page.locator("#valid_until").fill("2099-01-01T09:00")
    page.locator("#image").set_input_files(str(picture))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("旧书换新书八折券")
    page.locator("main form.confirm-form button[type=submit]").click()  # publish, confirmed
    expect(page.locator("main dl.facts")).to_contain_text("已发布")
    picture_shown = page.locator("figure.evidence img")
    expect(picture_shown).to_be_visible()
    assert picture_shown.evaluate("img => img.complete && img.naturalWidth > 0")
