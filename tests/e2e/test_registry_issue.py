"""Three ecology officials, in Chinese on a phone, take the proposed demo batch through its
steps in turn: the first reviews every sampled record, the second verifies (核证), the third
issues (登记); each is told which step is theirs, and the first cannot verify their own review."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.test_carbon_account import log_in
from tests.e2e.test_mall_phone import accept_dialog


def _as(page: Page, live_server: str, login: str) -> None:
    page.context.clear_cookies()
    log_in(page, live_server, login)
    page.goto(live_server + "/official/registry")
    expect(page.locator("h1")).to_have_text("减排量登记批次")


def _open_batch(page: Page, status: str) -> None:
    page.locator(".subnav a", has_text=status).click()
    page.locator("main table.cards td.card-action a").first.click()


def test_three_officials_review_verify_and_issue_a_batch(page: Page, live_server: str) -> None:
    page.on("dialog", accept_dialog)
    _as(page, live_server, "reviewer@demo.tanhui-jilin.cn")
    _open_batch(page, "待审核")
    expect(page.locator("#duty")).to_contain_text("轮到您：抽样审核")
    expect(page.locator("main")).to_contain_text("平方根规则")
    passes = page.locator("button[value=pass]")
    total = passes.count()
    assert total >= 10
    for number in range(1, total + 1):
        page.get_by_role("button", name=f"第 {number} 条记录通过").click()
        expect(page.locator(f"#item-{number} .tag")).to_have_text("通过")
    page.get_by_role("button", name="完成审核").click()
    expect(page.locator(".flash-success").first).to_contain_text("审核完成")
    expect(page.locator("#duty")).to_contain_text("须由另一位工作人员核证")
    expect(page.get_by_role("button", name="核证该批次")).to_have_count(0)
    batch_url = page.url.split("?")[0].split("#")[0]

    _as(page, live_server, "verifier@demo.tanhui-jilin.cn")
    page.goto(batch_url)
    expect(page.locator("#duty")).to_contain_text("轮到您：核证")
    page.get_by_role("button", name="核证该批次").click()
    expect(page.locator(".flash-success").first).to_contain_text("已核证")

    _as(page, live_server, "issuer@demo.tanhui-jilin.cn")
    page.goto(batch_url)
    expect(page.locator("#duty")).to_contain_text("轮到您：登记")
    page.get_by_role("button", name=re.compile(r"^登记 \d+ 吨$")).click()
    expect(page.locator(".flash-success").first).to_contain_text("已登记")
    expect(page.locator("main .tag").first).to_have_text("已登记")
    page.screenshot(path="/tmp/pooling-issued-375.png", full_page=True)
