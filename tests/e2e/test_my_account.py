"""The carbon account page in a phone's browser: the expiring notice, "load more" appending
the next ten transactions in place, and the CSV statement downloaded from its form."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.db import session, transaction
from portal.ledger import queries, services
from tests.e2e.test_carbon_account import log_in


def test_load_more_and_download_a_statement(page: Page, live_server: str, live_app: Flask) -> None:
    with live_app.app_context(), transaction():
        user_id = session().scalar(select(User.id).where(User.phone == "13900000002"))
        account = services.ensure_user_accounts([user_id])[user_id]
        issuance = services.issuance_account_id()
        services.append(
            [
                services.Posting(
                    f"e2e:more:{n}", "reduction_credit", ((issuance, -n), (account, n))
                )
                for n in range(1, 13)
            ]
        )
        # Other journeys may have given this citizen entries too: a second page adds up to ten.
        total = len(queries.list_lines_before(account, None, 1000))
    log_in(page, live_server, "13900000002")
    page.goto(live_server + "/me/")
    rows = page.locator("#transactions tr:not(.load-more-row)")
    expect(rows).to_have_count(10)
    page.locator("#more-transactions a").click()
    expect(rows).to_have_count(min(total, 20))  # appended in place, no page load
    expect(page).to_have_url(live_server + "/me/")
    page.locator("#statement-from").fill("2026-01-01")
    page.locator("#statement-to").fill("2026-12-31")
    with page.expect_download() as download:
        page.locator("#statement button[type=submit]").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff日期,摘要,积分,余额") and "期初余额" in text


def test_the_demo_citizen_sees_points_expiring(page: Page, live_server: str) -> None:
    log_in(page, live_server, "13900000001")
    page.goto(live_server + "/me/")
    expect(page.locator(".expiring-notice")).to_contain_text("积分将在")
    expect(page.locator("#equivalence-car_km")).to_contain_text("公里")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
