"""On a 375-px phone, in Chinese: a new citizen downloads their data (the JSON file checked),
deletes their account, cannot log in any more, and signs up again with the same phone. And
the two pages at 375 and 1280 px in both languages, screenshotted and without sideways
scrolling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.db import session
from tests.e2e.test_carbon_account import log_in
from tests.factories.welfare import give_points

PHONE = "13900007788"
PASSWORD = "Delete2026mine"
SHOTS = Path("test-results")
TITLES = {
    ("zh-CN", "privacy"): "我的数据",
    ("zh-CN", "delete"): "注销账户",
    ("en-US", "privacy"): "My data",
    ("en-US", "delete"): "Delete my account",
}


def sign_up(page: Page, base: str) -> None:
    page.goto(base + "/auth/register")
    page.locator("#login").fill(PHONE)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("#display_name").fill("将要注销的人")
    page.locator("#city_code").select_option(index=1)
    page.locator("#birth_year").fill("1990")
    page.locator("#consent").check()
    page.locator("main button[type=submit]").click()
    expect(page.locator(".flash")).to_be_visible()


def test_download_my_data_then_delete_the_account(
    page: Page, live_server: str, live_app: Flask
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    sign_up(page, live_server)
    with live_app.app_context():
        user_id = session().scalar(select(User.id).where(User.phone == PHONE))
        assert user_id is not None
        give_points(user_id, 120)
    page.goto(live_server + "/me/privacy")
    expect(page.locator("h1")).to_have_text("我的数据")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载我的数据").click()
    assert download.value.suggested_filename.startswith("tanhui-jilin-my-data-")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["profile"]["phone"] == PHONE and data["profile"]["display_name"] == "将要注销的人"
    assert data["points"]["balance"] == 120

    page.get_by_role("link", name="注销账户…").click()
    expect(page.locator("main")).to_contain_text("您余下的 120 积分将归入平台储备")
    page.locator("#password").fill("wrong-password-1")
    page.locator("#understood").check()
    page.get_by_role("button", name="永久注销我的账户").click()
    expect(page.locator("main")).to_contain_text("密码错误")
    page.locator("#password").fill(PASSWORD)
    page.locator("#understood").check()
    page.get_by_role("button", name="永久注销我的账户").click()
    expect(page.locator(".flash")).to_contain_text("您的账户已注销")

    page.goto(live_server + "/auth/login")
    page.locator("#login").fill(PHONE)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator(".flash-error")).to_contain_text("登录账号或密码错误")
    sign_up(page, live_server)
    with live_app.app_context():
        again = session().scalar(select(User.id).where(User.phone == PHONE))
        assert again is not None and again != user_id


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_pages_fit_phones_and_desktops(
    browser: Browser, live_server: str, width: int, locale: str
) -> None:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, "13900000001")
        SHOTS.mkdir(exist_ok=True)
        for name, path in (("privacy", "/me/privacy"), ("delete", "/me/privacy/delete")):
            page.goto(live_server + path)
            expect(page.locator("h1")).to_have_text(TITLES[locale, name])
            shot = SHOTS / f"my-data-{name}-{locale}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
