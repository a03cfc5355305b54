"""Volunteering in the browser, on 375-px phones in Chinese: the demo volunteer group's captain
opens the running activity's check-in code on their phone, a member types it on theirs and is
checked in, and the toast announces the volunteer badge. Screenshots of the new pages at 375 and
1280 px in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.demo.teams import CAPTAIN_LOGIN
from portal.demo.volunteering import TREES
from tests.e2e.test_carbon_account import log_in

MEMBER = "13900001008"  # 查干湖渔夫: in the volunteer group, not checked in to anything yet
PHONE = {"width": 375, "height": 812}


def _open_activity(page: Page, live_server: str) -> None:
    page.goto(live_server + "/teams")
    page.get_by_role("link", name="净月潭绿色志愿队").first.click()
    page.get_by_role("link", name=TREES).click()
    expect(page.locator("h1")).to_have_text(TREES)


def test_a_member_checks_in_with_the_captains_code_and_gets_the_badge(
    browser: Browser, live_server: str
) -> None:
    captain = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    member = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    try:
        log_in(captain, live_server, CAPTAIN_LOGIN)
        _open_activity(captain, live_server)
        captain.get_by_role("link", name="显示签到码").click()
        shown = captain.get_by_test_id("checkin-code")
        expect(shown).to_have_text(re.compile(r"^\d{3} \d{3}$"))
        expect(captain.locator(".invite-qr svg")).to_be_visible()
        assert captain.evaluate("document.documentElement.scrollWidth") <= 375
        captain.screenshot(path="test-results/volunteer-code-phone.png", full_page=True)
        code = shown.inner_text().replace(" ", "")

        log_in(member, live_server, MEMBER)
        _open_activity(member, live_server)
        member.get_by_label("签到码").fill("000000" if code != "000000" else "111111")
        member.get_by_role("button", name="签到").click()
        expect(member.locator(".error")).to_contain_text("签到码错误或已过期")
        member.get_by_label("签到码").fill(code)
        member.get_by_role("button", name="签到").click()
        expect(member.locator(".flashes")).to_contain_text("签到成功")
        expect(member.get_by_test_id("checked-in")).to_be_visible()
        expect(member.locator(".toast")).to_contain_text("志愿服务")
        assert member.evaluate("document.documentElement.scrollWidth") <= 375
        member.screenshot(path="test-results/volunteer-checked-in-phone.png", full_page=True)
        # The captain's screen polls: the count of check-ins moves without a reload.
        expect(captain.locator("#checkin-code")).to_contain_text("1 名成员签到", timeout=20_000)
    finally:
        captain.context.close()
        member.context.close()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_screenshots_of_the_volunteer_pages(
    browser: Browser, live_server: str, width: int, locale: str
) -> None:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, CAPTAIN_LOGIN)
        page.goto(live_server + "/teams")
        page.locator("a", has_text="净月潭绿色志愿队").first.click()
        tag = f"{width}-{locale}"
        page.screenshot(path=f"test-results/volunteer-team-{tag}.png", full_page=True)
        team_url = page.url
        page.goto(team_url + "/activities/new")
        page.screenshot(path=f"test-results/volunteer-new-{tag}.png", full_page=True)
        page.goto(team_url)
        page.locator("a", has_text=TREES).click()
        page.screenshot(path=f"test-results/volunteer-activity-{tag}.png", full_page=True)
        page.goto(page.url + "/code")
        page.screenshot(path=f"test-results/volunteer-code-{tag}.png", full_page=True)
        page.goto(live_server + "/teams")
        page.locator("a", has_text="初二（1）班").first.click()
        page.screenshot(path=f"test-results/class-quizzes-{tag}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
