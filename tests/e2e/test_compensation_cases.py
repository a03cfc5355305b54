"""On a 375-px phone, in Chinese: the demo court official records a 以碳代偿 case (a malformed
案号 first, then the confirmation step) and it shows on the public register, the defendant by
pseudonym only. (Fulfilling it by a retirement is added with the retirement pages.)"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from portal.clock import local_today
from tests.e2e.test_carbon_account import log_in

WIDTH = 375


def test_a_court_official_records_a_case_that_the_public_register_shows(
    page: Page, live_server: str
) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, "court@demo.tanhui-jilin.cn")
    page.goto(live_server + "/court")
    page.locator("a", has_text="登记案件").first.click()
    page.get_by_label("案号").fill("2026吉0102民初77号")
    page.get_by_label("被告姓名或名称").fill("赵大林")
    page.get_by_label("损害事实（中文）").fill("被告在净月潭林区非法采伐白桦 8 立方米。")
    page.get_by_label("损害事实（英文）").fill("The defendant felled 8 m³ of birch at Jingyuetan.")
    page.get_by_label("鉴定机构（中文）").fill("吉林省林业调查规划院")
    page.get_by_label("鉴定机构（英文）").fill("Jilin Forestry Survey and Planning Institute")
    page.get_by_label("鉴定报告编号").fill("吉林规鉴〔2026〕第 77 号")
    page.get_by_label("损害金额（元）").fill("2250.50")
    page.get_by_label("每吨参考价格（元）").fill("45")
    page.get_by_label("履行期限").fill((local_today() + timedelta(days=45)).isoformat())
    page.locator("button", has_text="下一步：核对案件").click()
    expect(page.locator("#case_number-error")).to_contain_text("标准格式")
    page.get_by_label("案号").fill("（2026）吉0102民初77号")
    page.locator("button", has_text="下一步：核对案件").click()
    expect(page.locator("h1")).to_have_text("核对案件")
    expect(page.locator(".facts")).to_contain_text("51 吨")  # ¥2,250.50 ÷ ¥45, rounded up
    expect(page.locator(".facts")).to_contain_text("赵某")
    page.locator("button", has_text="保存案件").click()
    expect(page.locator(".flash-success")).to_contain_text("（2026）吉0102民初77号")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.goto(live_server + "/compensation")
    row = page.locator("tr", has_text="（2026）吉0102民初77号")
    expect(row).to_contain_text("赵某")
    expect(row).to_contain_text("0 / 51 吨")
    row.locator("a").click()
    expect(page.locator("main")).to_contain_text("白桦")
    expect(page.locator("main")).not_to_contain_text("赵大林")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
