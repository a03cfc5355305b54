"""The first thing a citizen does, in a real browser: read the home page, switch language,
sign up, log out and log in again."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_home_language_sign_up_log_out_log_in(page: Page, live_server: str) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".brand-name")).to_have_text("碳惠吉林")
    expect(page.locator("h2#scenarios-title")).to_contain_text("22")
    expect(page.locator(".scenario-list li")).to_have_count(22)

    # The menu collapses on a phone; open it and switch to English.
    page.locator("summary.menu-toggle").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".brand-name")).to_have_text("Tanhui Jilin")
    expect(page.get_by_text("Public bus")).to_be_visible()

    # Sign up; a weak password first gets a clear message and creates nothing.
    page.locator("summary.menu-toggle").click()
    page.locator("nav").get_by_role("link", name="Sign up").click()
    page.get_by_label("Mobile number or email").fill("13812340000")
    page.get_by_label("Password", exact=True).fill("weakpass")
    page.get_by_label("Repeat the password").fill("weakpass")
    page.get_by_label("Display name").fill("长白山骑行者")
    page.get_by_label("City or prefecture").select_option(
        label="Yanbian Korean Autonomous Prefecture"
    )
    page.get_by_label("Year of birth").fill("1988")
    page.get_by_label("I have read and agree to the privacy notice").check()
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#password-error")).to_contain_text("has no digit (0–9)")

    page.get_by_label("Password", exact=True).fill("Changbai2026")
    page.get_by_label("Repeat the password").fill("Changbai2026")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.locator("main").get_by_text("长白山骑行者")).to_be_visible()

    page.locator("summary.menu-toggle").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()

    page.locator("summary.menu-toggle").click()
    page.locator("nav").get_by_role("link", name="Log in").click()
    page.get_by_label("Mobile number or email").fill("138 1234 0000")
    page.get_by_label("Password").fill("Changbai2026")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    page.screenshot(path="test-results/smoke-account.png", full_page=True)
    # The invalid sign-up answered 422 on purpose (CONVENTIONS rule 9); nothing else may fail.
    assert [e for e in errors if "status of 422" not in e] == []
