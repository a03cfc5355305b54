"""On a 375-px phone, in Chinese: the demo buyer retires tonnes its organisation holds for last
year's operations through the confirmation step that lists the serials, and lands on the
retirement's public page, which links its certificate."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.accounts.models import Organisation
from portal.extensions import db
from portal.market import holdings
from portal.market.holdings import Destination, Source
from portal.market.models import BlockState
from tests.e2e.test_carbon_account import log_in
from tests.factories.market import make_issued_batch

WIDTH = 375
SERIAL_BLOCK = re.compile(r"^CN-JL-PH-[A-Z0-9-]+-\d{6}-\d{3}-\d+-\d+$")


def _give_tonnes(app: Flask, org_name: str, tonnes: int) -> None:
    with app.app_context():
        org = db.session.scalars(select(Organisation).where(Organisation.name_zh == org_name)).one()
        batch = make_issued_batch(issued_tonnes=tonnes, code="JLCH-TR-003", vintage=202608)
        holdings.move(
            Source(BlockState.AVAILABLE, batch_id=batch.id),
            tonnes,
            Destination(BlockState.HELD, holder_org_id=org.id),
        )
        db.session.commit()
        db.session.remove()


def test_buyer_retires_for_last_years_operations(
    page: Page, live_server: str, live_app: Flask
) -> None:
    _give_tonnes(live_app, "长春新能源装备有限公司（演示）", 4)
    page.set_viewport_size({"width": WIDTH, "height": 812})
    log_in(page, live_server, "buyer@demo.tanhui-jilin.cn")
    page.goto(live_server + "/buyer/retire/")
    expect(page.locator("h1")).to_have_text("注销减排量")
    page.get_by_label("注销吨数").fill("2.5")
    page.locator("button", has_text="下一步").click()
    expect(page.locator(".error").first).to_contain_text("整数")
    page.get_by_label("注销吨数").fill("2")
    page.get_by_label("受益方（中文）").fill("长春新能源装备有限公司")
    page.get_by_label("受益方（英文）").fill("Changchun New Energy Equipment Co.")
    page.locator("button", has_text="下一步").click()
    expect(page.locator("h1")).to_have_text("确认注销")
    # The lowest serials the organisation holds go first: the demo's paid order or another
    # journey's tonnes may come before these.
    expect(page.locator(".serial-list li").first).to_have_text(SERIAL_BLOCK)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.locator("button", has_text="注销 2 吨").click()
    expect(page).to_have_url(re.compile(r"/registry/retirements/"))
    expect(page.locator(".flash-success")).to_contain_text("已注销 2 吨")
    expect(page.locator("h1")).to_contain_text("注销了 2 吨")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    page.locator("a", has_text="验证注销证明").click()
    expect(page.locator(".cert-valid")).to_contain_text("有效")
    expect(page.locator(".cert-retirement")).to_contain_text("长春新能源装备有限公司（演示）")
