"""Staff pages on a phone: the key value and the action of each row, and the active tab, stay on
screen; rejecting without a reason asks for the reason before any confirmation."""

from __future__ import annotations

from playwright.sync_api import Dialog, Locator, Page, expect

from tests.e2e.test_carbon_account import log_in

PHONE_WIDTH = 390  # the e2e browser's viewport (tests/e2e/conftest.py)


def _on_screen(locator: Locator) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, box


def test_official_tables_keep_the_reason_and_the_action_on_screen(
    page: Page, live_server: str
) -> None:
    log_in(page, live_server, "official@demo.tanhui-jilin.cn")
    expect(page).to_have_url(live_server + "/official/reviews")  # the work queue, not /me/
    row = page.locator("main table.cards tbody tr").first
    _on_screen(row.locator("td.card-key .tag-flag").first)
    _on_screen(row.locator("td.card-action a"))
    _on_screen(page.locator(".subnav a[aria-current=page]"))
    page.goto(live_server + "/official/methodologies")
    _on_screen(page.locator("main table.cards tbody tr").first.locator(".tag").first)
    page.goto(live_server + "/official/reviews/decided")
    _on_screen(page.locator(".subnav a[aria-current=page]"))


def test_reject_without_a_reason_asks_for_it_before_confirming(
    page: Page, live_server: str
) -> None:
    log_in(page, live_server, "official@demo.tanhui-jilin.cn")
    page.locator("main table.cards td.card-action a").first.click()
    review_url = page.url
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("button[value=reject]").click()
    assert dialogs == [] and page.url == review_url
    assert page.locator("#reason").evaluate("field => !field.validity.valid")
    page.locator("#reason").fill("两次出行时间重叠")
    page.locator("button[value=reject]").click()
    expect(page.locator("#reason")).to_have_value("两次出行时间重叠")  # dismissed: nothing sent
    assert len(dialogs) == 1 and page.url == review_url


def test_admin_tables_and_tabs_fit_a_phone(page: Page, live_server: str) -> None:
    log_in(page, live_server, "admin@demo.tanhui-jilin.cn")
    expect(page).to_have_url(live_server + "/admin/")
    for path in ("/admin/audit", "/admin/jobs"):
        page.goto(live_server + path)
        _on_screen(page.locator(".subnav a[aria-current=page]"))
        _on_screen(page.locator("main table.cards tbody tr").first.locator("td.card-key"))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{path} is {width} px wide"
