"""On a 375-px phone, in Chinese: a 12-year-old signs up with their year of birth, is stopped
at the mall's redeem step, invites a guardian; the guardian (the demo citizen) opens the link,
confirms, and the child redeems. And the new pages at 375 and 1280 px in both languages,
screenshotted, without sideways scrolling."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from portal.accounts.guardians import invite_guardian
from portal.accounts.models import User
from portal.clock import local_today
from portal.db import session
from tests.e2e.test_carbon_account import log_in
from tests.e2e.test_mall_phone import ZH, accept_dialog, redeem_offer
from tests.factories.welfare import give_points

CHILD = "13900007712"
PASSWORD = "Jilin2026demo"  # the demo password, so log_in serves the child too
GUARDIAN = "13900000001"  # the demo citizen
OFFER = "共享单车7天骑行卡"
SHOTS = Path("test-results")


def test_a_child_is_stopped_invites_a_guardian_and_then_redeems(
    page: Page, live_server: str, live_app: Flask
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    page.on("dialog", accept_dialog)
    page.goto(live_server + "/auth/register")
    page.locator("#login").fill(CHILD)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("#display_name").fill("小绿苗")
    page.locator("#city_code").select_option("220100")
    page.locator("#birth_year").fill(str(local_today().year - 13))
    page.locator("#consent").check()
    page.locator("main button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("小绿苗")
    with live_app.app_context():
        child_id = session().scalar(select(User.id).where(User.phone == CHILD))
        assert child_id is not None
        give_points(child_id, 1_000)

    page.goto(live_server + "/mall/?city=220100")
    page.locator(".offer-card a", has_text=OFFER).click()
    expect(page.locator("#guardian-needed")).to_contain_text("须经监护人同意")
    expect(page.locator("main a", has_text="兑换")).to_have_count(0)
    page.locator("#guardian-needed a").click()
    expect(page.locator("h1")).to_have_text("监护人同意")
    page.locator("#contact").fill(GUARDIAN)
    page.get_by_role("button", name="为监护人生成链接").click()
    link = page.locator("#guardian-link").input_value()
    assert "/me/guardian/" in link
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "guardian-link-zh-CN-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.context.clear_cookies()
    log_in(page, live_server, GUARDIAN)
    page.goto(link)
    expect(page.locator("main")).to_contain_text("小绿苗")
    page.get_by_role("button", name="记录我的同意").click()
    expect(page.locator("#confirm-error")).to_contain_text("请勾选")
    page.locator("#confirm").check()
    page.get_by_role("button", name="记录我的同意").click()
    expect(page.locator(".flash-success")).to_contain_text("您的同意已记录")
    expect(page.locator("main")).to_contain_text("小绿苗")

    page.context.clear_cookies()
    log_in(page, live_server, CHILD)
    page.goto(live_server + "/me/notifications")
    expect(page.locator("main")).to_contain_text("监护人已同意")
    redeem_offer(page, live_server + "/mall/?city=220100", OFFER, ZH)


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_new_pages_fit_phones_and_desktops(
    browser: Browser, live_server: str, live_app: Flask, width: int, locale: str
) -> None:
    with live_app.app_context():
        minor_id = session().scalar(select(User.id).where(User.phone == "13900000009"))
        assert minor_id is not None
        token = invite_guardian(minor_id=minor_id, contact=GUARDIAN).token
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    SHOTS.mkdir(exist_ok=True)
    try:
        for login, pages in (
            ("13900000009", ("/me/settings/privacy", "/me/settings/guardian")),
            (GUARDIAN, ("/me/settings/privacy", "/me/settings/guardian", f"/me/guardian/{token}")),
        ):
            context.clear_cookies()
            log_in(page, live_server, login)
            for path in pages:
                page.goto(live_server + path)
                expect(page.locator("h1")).to_be_visible()
                name = "consent" if token in path else path.rsplit("/", 1)[-1]
                shot = SHOTS / f"guardian-{login[-1]}-{name}-{locale}-{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    finally:
        context.close()
