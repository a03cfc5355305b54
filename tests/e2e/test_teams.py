"""On a 375-px phone, in Chinese: the demo captain adds a class to their school and gets its
invite link; the demo citizen opens the link, confirms, and the class page lists them."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_carbon_account import log_in

WIDTH = 375


def test_captain_creates_a_class_and_a_member_joins_by_link(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, "13900000002")
    page.goto(live_server + "/teams")
    page.locator("a", has_text="长春市第二实验中学").click()
    expect(page.locator("h1")).to_have_text("长春市第二实验中学")
    page.locator("a", has_text="添加班级").click()
    page.get_by_label("团队名称").fill("初二（5）班")
    expect(page.get_by_label("团队类型")).to_have_value("class")
    page.get_by_label("人数上限").fill("45")
    page.locator("button", has_text="创建团队").click()
    expect(page.locator(".flash-success")).to_contain_text("团队已创建")
    expect(page.locator("h1")).to_have_text("邀请成员")
    expect(page.locator(".invite-qr svg")).to_be_visible()
    link = page.locator("#invite-link").input_value()
    assert re.search(r"/teams/invite/[\w.-]+$", link), link
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

    page.context.clear_cookies()
    log_in(page, live_server, "13900000001")  # 林小绿, in no team yet
    page.goto(link)
    expect(page.locator("h1")).to_have_text("加入“初二（5）班”？")
    page.locator("button", has_text="加入团队").click()
    expect(page.locator(".flash-success")).to_contain_text("欢迎加入团队")
    expect(page.locator("h1")).to_have_text("初二（5）班")
    expect(page.locator(".member-list")).to_contain_text("林小绿")
    expect(page.locator("main")).to_contain_text("队长：王老师")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
