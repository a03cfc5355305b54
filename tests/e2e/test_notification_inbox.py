"""On a phone, in Chinese: the header bell says how many notifications are unread, opens the
inbox, and the count goes once everything is marked read."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_carbon_account import log_in


def test_the_bell_opens_the_inbox_and_mark_all_read_clears_it(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_server, "13900000001")  # the demo official rejected a record of theirs
    bell = page.locator("a.bell")
    expect(bell).to_have_attribute("aria-label", re.compile(r"^[1-9][0-9]* 条未读通知$"))
    count = bell.locator(".bell-count").inner_text()
    assert bell.get_attribute("aria-label") == f"{count} 条未读通知"
    bell.click()
    expect(page.locator("h1")).to_have_text("通知")
    unread = page.locator(".inbox-item.is-unread")
    expect(unread).to_have_count(int(count))
    expect(unread.locator(".inbox-title a", has_text="记录未计入")).to_have_count(1)
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator(".flash-success")).to_contain_text(f"已将 {count} 条通知标为已读。")
    expect(page.locator(".inbox-item.is-unread")).to_have_count(0)
    expect(page.locator("a.bell")).to_have_attribute("aria-label", "通知")
    expect(page.locator(".bell-count")).to_have_count(0)
    page.locator(".inbox-title a", has_text="记录未计入").click()
    expect(page).to_have_url(live_server + "/me/records")
