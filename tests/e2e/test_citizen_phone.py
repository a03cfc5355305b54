"""On a 375-px phone the citizen's active tab and each row's key number and action are on
screen, without scrolling sideways."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.test_carbon_account import log_in

WIDTH = 375


def _inside(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"] >= 0 and box["x"] + box["width"] <= WIDTH


def test_active_tab_and_key_values_fit_a_phone(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, "13900000001")
    for path in ["/me/records", "/me/reductions", "/me/links", "/me/data-access"]:
        page.goto(live_server + path)
        assert _inside(page, '.subnav a[aria-current="page"]'), path
    page.goto(live_server + "/me/reductions")
    assert _inside(page, "table.cards td.card-key")
    assert _inside(page, "table.cards td.card-action a")
