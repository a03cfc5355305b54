"""On a 375-px phone, in Chinese: the demo enterprise's buyer orders tonnes of a listing
through the confirmation step, the operator records the bank transfer, and the buyer finds the
tonnes under their holdings by serial range."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from portal.demo.accounts import find_user
from portal.extensions import db
from portal.market import listings
from tests.e2e.test_carbon_account import log_in
from tests.factories.market import make_issued_batch

WIDTH = 375
BUYER = "buyer@demo.tanhui-jilin.cn"
ADMIN = "admin@demo.tanhui-jilin.cn"


def _listed_batch(app: Flask) -> str:
    """A batch of the journey's own (vintage 2026-09), listed at ¥50 a tonne; its label."""
    with app.app_context():
        batch = make_issued_batch(issued_tonnes=8, buffer_tonnes=1, vintage=202609)
        admin = find_user(ADMIN)
        assert admin is not None
        listings.list_batch(actor=admin, batch_id=batch.id, price=5000)
        label = batch.label
        db.session.remove()
    return label


def _phone(browser: Browser) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 812})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_buyer_orders_operator_records_payment_buyer_holds(
    browser: Browser, live_server: str, live_app: Flask
) -> None:
    label = _listed_batch(live_app)
    buyer = _phone(browser)
    log_in(buyer, live_server, BUYER)
    buyer.goto(live_server + "/market")
    card = buyer.locator(".project-card", has_text=label)
    expect(card).to_contain_text("¥50.00")
    card.locator("a", has_text="购买减排量").click()
    buyer.get_by_label("吨数").fill("2.5")
    buyer.locator("button", has_text="下一步").click()
    expect(buyer.locator(".error")).to_contain_text("整数")
    buyer.get_by_label("吨数").fill("3")
    buyer.locator("button", has_text="下一步").click()
    expect(buyer.locator("h1")).to_have_text("确认订单")
    expect(buyer.locator(".facts")).to_contain_text("3 吨 × ¥50.00 = ¥150.00")
    buyer.locator("button", has_text="下单").click()
    expect(buyer.locator(".flash-success")).to_contain_text("下单成功")
    reference = buyer.locator("dd strong", has_text="ORDER-").inner_text()
    assert buyer.evaluate("document.documentElement.scrollWidth") <= WIDTH

    operator = _phone(browser)
    log_in(operator, live_server, ADMIN)
    operator.goto(live_server + "/admin/registry/orders")
    order = operator.locator(".project-card", has_text=reference)
    order.get_by_label("银行转账流水号").fill("ICBC-E2E-0001")
    order.locator("button", has_text="登记付款").click()
    expect(operator.locator(".flash-success")).to_contain_text("付款已登记")
    operator.context.close()

    buyer.reload()
    expect(buyer.locator(".tag")).to_contain_text("已付款")
    buyer.locator("a", has_text="查看我的持有").click()
    expect(buyer.locator("main")).to_contain_text(f"{label}-1-3")
    assert buyer.evaluate("document.documentElement.scrollWidth") <= WIDTH
    buyer.context.close()
