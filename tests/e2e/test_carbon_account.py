"""A citizen records a behaviour in the browser and, after the quantify job, sees the points
and how every gram was computed; an official sees the review queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from playwright.sync_api import Page, expect

from portal.activities.quantify import quantify_pending
from portal.clock import SHANGHAI


def log_in(page: Page, base: str, login: str) -> None:
    page.goto(base + "/auth/login")
    page.locator("#login").fill(login)
    page.locator("#password").fill("Jilin2026demo")
    page.locator("main button[type=submit]").click()


def test_log_a_walk_and_see_how_it_was_computed(
    page: Page, live_server: str, live_app: Flask
) -> None:
    log_in(page, live_server, "13900000002")  # the team captain, who has no records yet
    page.goto(live_server + "/me/log")
    page.locator("a.choice.category-transport").click()  # htmx swaps in step 2
    expect(page).to_have_url(live_server + "/me/log/transport")
    page.locator("a.choice-row", has_text="步行").click()
    page.locator("#quantity").fill("8800")
    yesterday = (datetime.now(SHANGHAI) - timedelta(days=1)).strftime("%Y-%m-%d")
    page.locator("#occurred_at").fill(f"{yesterday}T10:00")
    page.locator("#ended_at").fill(f"{yesterday}T11:30")
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(live_server + "/me/records")
    expect(page.locator(".record").first).to_have_class("card record record-pending")

    with live_app.app_context():  # what the scheduler does every minute
        assert quantify_pending(points_per_kg=1000).quantified >= 1

    page.goto(live_server + "/me/reductions")
    expect(page.locator("svg.chart-svg").first).to_be_visible()
    page.locator("table a").first.click()
    expect(page.locator("code.formula")).to_contain_text("Q")
    expect(page.locator(".factor").first).to_contain_text("kgCO2")
    expect(page.locator(".sources a").first).to_have_attribute("rel", "noopener noreferrer")
    page.screenshot(path="test-results/explanation.png", full_page=True)


def test_pages_fit_a_phone_screen(page: Page, live_server: str) -> None:
    """Nothing widens the page past a 390 px phone; wide tables scroll inside their wrapper."""
    log_in(page, live_server, "13900000001")
    for path in [
        "/",
        "/methodologies/",
        "/methodologies/JLCH-HS-003",
        "/me/",
        "/me/records",
        "/me/reductions",
        "/me/links",
        "/me/log/transport/JLCH-TR-001",
    ]:
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"


def test_official_sees_the_flag_queue_and_the_library(page: Page, live_server: str) -> None:
    log_in(page, live_server, "official@demo.tanhui-jilin.cn")
    page.goto(live_server + "/official/reviews")
    expect(page.locator("h1")).to_be_visible()
    page.goto(live_server + "/methodologies/JLCH-HS-003")
    expect(page.locator("main")).to_contain_text("0.4671")
