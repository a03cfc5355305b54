"""On a 375-px phone, in Chinese: the demo event organiser records an event, is told which
footprint box is wrong, calculates the footprint and sees it on the public event page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_carbon_account import log_in

WIDTH = 375


def test_organiser_records_an_event_and_calculates_its_footprint(
    page: Page, live_server: str
) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, "events@demo.tanhui-jilin.cn")
    page.goto(live_server + "/events/mine")
    expect(page.locator(".project-card", has_text="长春马拉松")).to_be_visible()
    page.locator("a", has_text="登记活动").click()
    page.get_by_label("活动类型").select_option("forum")
    page.get_by_label("中文标题").fill("长白山生态论坛")
    page.get_by_label("英文标题").fill("Changbai Mountain Ecology Forum")
    page.get_by_label("开始日期").fill("2026-09-10")
    page.get_by_label("结束日期").fill("2026-09-11")
    page.get_by_label("预计参与人数").fill("400")
    page.get_by_label("场馆中文名称").fill("长白山国际会议中心")
    page.get_by_label("场馆英文名称").fill("Changbai Mountain International Conference Centre")
    page.get_by_label("市（州）").select_option("220600")
    page.locator("button", has_text="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("活动已登记")
    expect(page.locator("h1")).to_have_text("核算碳排放")
    page.get_by_label("餐饮份数").fill("-5")
    page.get_by_label("场馆用电").fill("12000")
    page.locator("button", has_text="计算").click()
    expect(page.locator(".error")).to_contain_text("不能为负数")
    page.get_by_label("餐饮份数").fill("2400")
    page.locator("button", has_text="计算").click()
    expect(page).to_have_url(re.compile(r"/footprint/1$"))
    # 12,000 kWh × 0.4671 = 5,605.2 kg; 2,400 meals × 3.092 kg = 7,420.8 kg: 13,026,000 g -> 14 t
    expect(page.locator(".facts")).to_contain_text("13,026,000")
    expect(page.locator(".facts")).to_contain_text("14 吨")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.locator("a", has_text="返回活动").click()
    expect(page.locator("h1")).to_have_text("长白山生态论坛")
    expect(page.locator("#neutrality-title + .facts")).to_contain_text("尚未实现碳中和")
    expect(page.locator("svg.chart-svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
