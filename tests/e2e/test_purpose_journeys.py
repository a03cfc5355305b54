"""On a 375-px phone, the retirement purposes end to end. In Chinese: the demo enterprise's
buyer orders tonnes (a fractional amount refused first), the operator records the bank
transfer, the buyer finds the serials under its holdings, retires them for last year's
operations through the confirmation step that lists the serials, and the certificate linked
from the public retirement page verifies. In Chinese: the demo event organiser
calculates a small event's footprint, orders the tonnes on /market, the operator records the
payment, the organiser retires them for the event from its page, the event shows 碳中和 and
its certificate verifies. In English: a court official of a court of the journey's own
orders tonnes for one of its cases, the operator records the payment, the official retires
them on the defendant's behalf from the case page and the public register shows it fulfilled.

Each journey lists a batch of its own (found on /market by its label) and finds its order by
reference, so other journeys' listings and orders do not matter."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from portal.accounts.models import OrgKind
from portal.clock import local_today
from portal.demo.accounts import DEMO_PASSWORD, find_user
from portal.extensions import db
from portal.market import listings
from tests.e2e.test_carbon_account import log_in
from tests.factories.accounts import make_membership, make_org, make_user
from tests.factories.cases import make_case
from tests.factories.market import make_issued_batch

WIDTH = 375
SERIAL_BLOCK = re.compile(r"^CN-JL-PH-[A-Z0-9-]+-\d{6}-\d{3}-\d+-\d+$")
ADMIN = "admin@demo.tanhui-jilin.cn"
BUYER = "buyer@demo.tanhui-jilin.cn"
ORGANISER = "events@demo.tanhui-jilin.cn"
JUDGE = "judge.songyuan@demo.tanhui-jilin.cn"
CASE_NUMBER = "（2026）吉07民初88号"


def _listed_batch(app: Flask, code: str) -> str:
    """A batch of the journey's own listed at ¥40 a tonne; its label."""
    with app.app_context():
        batch = make_issued_batch(issued_tonnes=6, buffer_tonnes=1, code=code, vintage=202607)
        admin = find_user(ADMIN)
        assert admin is not None
        listings.list_batch(actor=admin, batch_id=batch.id, price=4000)
        label = batch.label
        db.session.remove()
    return label


def _phone(browser: Browser, locale: str) -> Page:
    context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 812})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def _order(page: Page, live_server: str, label: str, tonnes: int, words: dict[str, str]) -> str:
    """Order ``tonnes`` of the batch ``label`` on /market; the order's reference."""
    card = page.locator(".project-card", has_text=label)
    card.locator("a", has_text=words["buy"]).click()
    page.get_by_label(words["tonnes"], exact=True).fill(str(tonnes))
    page.locator("button", has_text=words["next"]).click()
    page.locator("button", has_text=words["place"]).click()
    expect(page.locator(".flash-success")).to_be_visible()
    _fits(page)
    return page.locator("dd strong", has_text="ORDER-").inner_text()


def _record_payment(browser: Browser, live_server: str, reference: str, bank_ref: str) -> None:
    operator = _phone(browser, "zh-CN")
    log_in(operator, live_server, ADMIN)
    operator.goto(live_server + "/admin/registry/orders")
    order = operator.locator(".project-card", has_text=reference)
    order.get_by_label("银行转账流水号").fill(bank_ref)
    order.locator("button", has_text="登记付款").click()
    expect(operator.locator(".flash-success")).to_contain_text("付款已登记")
    operator.context.close()


def test_an_organisation_buys_is_marked_paid_and_retires_for_its_operations(
    browser: Browser, live_server: str, live_app: Flask
) -> None:
    label = _listed_batch(live_app, "JLCH-TR-003")
    page = _phone(browser, "zh-CN")
    log_in(page, live_server, BUYER)
    page.goto(live_server + "/market")
    card = page.locator(".project-card", has_text=label)
    expect(card).to_contain_text("¥40.00")
    card.locator("a", has_text="购买减排量").click()
    page.get_by_label("吨数", exact=True).fill("2.5")
    page.locator("button", has_text="下一步").click()
    expect(page.locator(".error")).to_contain_text("整数")
    page.get_by_label("吨数", exact=True).fill("3")
    page.locator("button", has_text="下一步").click()
    expect(page.locator("h1")).to_have_text("确认订单")
    expect(page.locator(".facts")).to_contain_text("3 吨 × ¥40.00 = ¥120.00")
    page.locator("button", has_text="下单").click()
    expect(page.locator(".flash-success")).to_contain_text("下单成功")
    reference = page.locator("dd strong", has_text="ORDER-").inner_text()
    _fits(page)
    _record_payment(browser, live_server, reference, "ICBC-E2E-0001")

    page.reload()
    expect(page.locator(".tag")).to_contain_text("已付款")
    page.locator("a", has_text="查看我的持有").click()
    expect(page.locator("main")).to_contain_text(f"{label}-1-3")
    _fits(page)
    page.locator("nav a", has_text="注销减排量").click()
    expect(page.locator("h1")).to_have_text("注销减排量")
    page.get_by_label("注销吨数").fill("0")
    page.locator("button", has_text="下一步").click()
    expect(page.locator(".error").first).to_contain_text("整数")
    page.get_by_label("注销吨数").fill("3")
    expect(page.get_by_label("目的", exact=True)).to_have_value("operations")
    expect(page.get_by_label("运营年份")).to_have_value(str(local_today().year - 1))
    page.get_by_label("受益方（中文）").fill("长春新能源装备有限公司")
    page.get_by_label("受益方（英文）").fill("Changchun New Energy Equipment Co.")
    page.locator("button", has_text="下一步").click()
    expect(page.locator("h1")).to_have_text("确认注销")
    # The lowest serials the organisation holds go first: the demo's paid order or another
    # journey's tonnes may come before these.
    expect(page.locator(".serial-list li").first).to_have_text(SERIAL_BLOCK)
    _fits(page)
    page.locator("button", has_text="注销 3 吨").click()
    expect(page).to_have_url(re.compile(r"/registry/retirements/"))
    expect(page.locator(".flash-success")).to_contain_text("已注销 3 吨")
    expect(page.locator("h1")).to_contain_text("注销了 3 吨")
    _fits(page)
    page.locator("a", has_text="验证注销证明").click()
    expect(page.locator(".cert-valid")).to_contain_text("有效")
    expect(page.locator(".cert-retirement")).to_contain_text("长春新能源装备有限公司（演示）")
    _fits(page)
    page.context.close()


def test_an_organiser_makes_an_event_carbon_neutral(
    browser: Browser, live_server: str, live_app: Flask
) -> None:
    label = _listed_batch(live_app, "JLCH-CL-001")
    page = _phone(browser, "zh-CN")
    log_in(page, live_server, ORGANISER)
    page.goto(live_server + "/events/new")
    page.get_by_label("活动类型").select_option("forum")
    page.get_by_label("中文标题").fill("查干湖冬捕研讨会")
    page.get_by_label("英文标题").fill("Chagan Lake Winter Fishing Seminar")
    page.get_by_label("开始日期").fill("2026-12-20")
    page.get_by_label("结束日期").fill("2026-12-20")
    page.get_by_label("预计参与人数").fill("120")
    page.get_by_label("场馆中文名称").fill("查干湖渔场会议室")
    page.get_by_label("场馆英文名称").fill("Chagan Lake Fishery Meeting Room")
    page.get_by_label("市（州）").select_option("220700")
    page.locator("button", has_text="保存").click()
    expect(page.locator("h1")).to_have_text("核算碳排放")
    page.get_by_label("餐饮份数").fill("600")  # 600 × 3.092 kg = 1,855.2 kg -> 2 t
    page.locator("button", has_text="计算").click()
    expect(page.locator(".facts")).to_contain_text("2 吨")
    page.locator("a", has_text="返回活动").click()
    event_url = page.url
    expect(page.locator("#neutrality-title + .facts")).to_contain_text("尚未实现碳中和")
    _fits(page)
    page.locator("main a", has_text="购买减排量").first.click()
    expect(page).to_have_url(re.compile(r"/market$"))
    words = {"buy": "购买减排量", "tonnes": "吨数", "next": "下一步", "place": "下单"}
    reference = _order(page, live_server, label, 2, words)
    _record_payment(browser, live_server, reference, "ICBC-E2E-EVT1")

    page.goto(event_url)
    page.locator("a", has_text="为本活动注销").click()
    expect(page.locator("h1")).to_have_text("注销减排量")
    expect(page.get_by_label("注销吨数")).to_have_value("2")
    expect(page.get_by_label("目的", exact=True)).to_have_value("event")
    expect(page.locator("select#event option:checked")).to_contain_text("查干湖冬捕研讨会")
    page.get_by_label("受益方（中文）").fill("查干湖冬捕研讨会")
    page.get_by_label("受益方（英文）").fill("Chagan Lake Winter Fishing Seminar")
    _fits(page)
    page.locator("button", has_text="下一步").click()
    expect(page.locator("h1")).to_have_text("确认注销")
    expect(page.locator(".facts")).to_contain_text("查干湖冬捕研讨会")
    page.locator("button", has_text="注销 2 吨").click()
    expect(page.locator(".flash-success")).to_contain_text("已注销 2 吨")

    page.goto(event_url)
    expect(page.locator(".notice .tag")).to_have_text("碳中和")
    _fits(page)
    page.locator("a", has_text="碳中和证书").click()
    expect(page.locator(".cert-valid")).to_contain_text("有效")
    expect(page.locator("main")).to_contain_text("查干湖冬捕研讨会")
    _fits(page)
    page.context.close()


def _court_case(app: Flask) -> None:
    """A court of the journey's own, its official (who logs in as ``JUDGE``) and a case
    ordering 3 t retired."""
    with app.app_context():
        court = make_org(
            kind=OrgKind.COURT,
            name_zh="松原市中级人民法院（测试）",
            name_en="Songyuan Intermediate People's Court (test)",
        )
        judge = make_user(phone=None, email=JUDGE, password=DEMO_PASSWORD, display_name="吴法官")
        make_membership(judge, court)
        make_case(
            judge,
            case_number=CASE_NUMBER,
            court_zh="松原市中级人民法院",
            court_en="Songyuan Intermediate People's Court",
            method="appraisal_tonnes",
            appraisal_tonnes=3,
        )
        db.session.remove()


def test_a_court_retires_on_the_defendants_behalf(
    browser: Browser, live_server: str, live_app: Flask
) -> None:
    label = _listed_batch(live_app, "JLCH-FD-001")
    _court_case(live_app)
    page = _phone(browser, "en-US")
    log_in(page, live_server, JUDGE)
    page.goto(live_server + "/court")
    page.locator("a", has_text=CASE_NUMBER).click()
    case_url = page.url
    expect(page.locator("main")).to_contain_text("Retire for this case")
    _fits(page)
    page.locator("main a", has_text="Buy tonnes").first.click()
    words = {
        "buy": "Order tonnes",
        "tonnes": "Tonnes",
        "next": "Continue",
        "place": "Place the order",
    }
    reference = _order(page, live_server, label, 3, words)
    _record_payment(browser, live_server, reference, "BOC-E2E-CASE1")

    page.goto(case_url)
    page.locator("a", has_text="Retire for this case").click()
    expect(page.get_by_label("Tonnes to retire")).to_have_value("3")
    expect(page.get_by_label("Purpose")).to_have_value("compensation")
    page.get_by_label("Beneficiary (Chinese)").fill("松花江流域生态修复")
    page.get_by_label("Beneficiary (English)").fill("Songhua River ecological restoration")
    _fits(page)
    page.locator("button", has_text="Continue").click()
    expect(page.locator(".facts")).to_contain_text(CASE_NUMBER)
    page.locator("button", has_text="Retire 3 t").click()
    expect(page.locator(".flash-success")).to_contain_text("3 t retired")

    page.goto(live_server + "/compensation")
    row = page.locator("tr", has_text=CASE_NUMBER)
    expect(row).to_contain_text("3 / 3 t")
    expect(row).to_contain_text("Fulfilled")
    _fits(page)
    page.context.close()
