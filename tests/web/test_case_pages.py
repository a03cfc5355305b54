"""以碳代偿 pages: a court official records a case through the confirmation step, sees refusals
on the field at fault, edits it; the public register and case page in both languages, with
the defendant's real name on no public page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.clock import local_today
from portal.market.cases.models import Case
from tests import factories
from tests.factories.cases import make_case, make_court_official, retire_for_case
from tests.web.test_merchant_pages import EN, ZH, english_sentences


def _form(**fields: str) -> dict[str, str]:
    values = {
        "case_number": "(2024)吉0102民初1234号",
        "case_type": "civil_pil",
        "court_zh": "长春市朝阳区人民法院",
        "court_en": "Chaoyang District People's Court",
        "defendant_name": "李四海",
        "damage_facts_zh": "被告非法采砂，损毁林地 623 平方米。",
        "damage_facts_en": "The defendant quarried 623 m² of forest land.",
        "appraiser_zh": "吉林省林业调查规划院",
        "appraiser_en": "Jilin Forestry Survey Institute",
        "appraisal_report_no": "吉林鉴〔2024〕5号",
        "damage_yuan": "122366",
        "method": "value_price",
        "price_yuan": "50",
        "deadline_on": (local_today() + timedelta(days=30)).isoformat(),
        "judgment_url": "https://wenshu.court.gov.cn/x",
    }
    values.update(fields)
    return values


def test_record_a_case_in_two_steps(client: FlaskClient, db: Any) -> None:
    official = make_court_official()
    factories.log_in(client, official)
    court = client.get("/court/cases/new", headers=ZH).text
    assert official.memberships[0].organisation.name_zh in court  # the court's names to start
    check = client.post("/court/cases/new", data=_form(), headers=ZH)
    assert check.status_code == 200 and "核对案件" in check.text and "李某" in check.text
    assert "2448" in check.text.replace(",", "")  # ¥122,366 ÷ ¥50, rounded up
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    back = client.post("/court/cases/new", data=_form(confirmed="1", change="1"), headers=ZH)
    assert back.status_code == 200 and 'value="李四海"' in back.text  # the form, as typed
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    saved = client.post("/court/cases/new", data=_form(confirmed="1"), headers=ZH)
    assert saved.status_code == 302
    case = db.session.scalars(select(Case)).one()
    assert case.case_number == "（2024）吉0102民初1234号" and case.damage_fen == 12_236_600
    page = client.get(f"/court/cases/{case.id}", headers=ZH)
    assert "李四海" in page.text and "李某" in page.text
    assert not english_sentences(page.text)
    listing = client.get("/court?state=open", headers=EN)
    assert case.case_number in listing.text
    assert case.case_number not in client.get("/court?state=fulfilled", headers=EN).text


def test_refusals_name_the_field(client: FlaskClient, db: Any) -> None:
    factories.log_in(client, make_court_official())
    for fields, words in [
        ({"case_number": "2024民初1号"}, "案号"),
        ({"damage_yuan": "-5"}, "元"),
        ({"method": "appraisal_tonnes", "appraisal_tonnes": "0"}, "鉴定"),
        ({"deadline_on": (local_today() - timedelta(days=1)).isoformat()}, "期限"),
        ({"judgment_url": "http://x.cn/a"}, "https"),
        ({"damage_yuan": "0"}, "损害"),
    ]:
        page = client.post("/court/cases/new", data=_form(confirmed="1", **fields), headers=ZH)
        assert page.status_code == 422, fields
        assert 'class="error"' in page.text and words in page.text, fields
    english = client.post("/court/cases/new", data=_form(case_number="x"), headers=EN)
    assert "Case number: write it in the standard form" in english.text
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_edit_a_case(client: FlaskClient, db: Any) -> None:
    official = make_court_official()
    case = make_case(official)
    factories.log_in(client, official)
    form = client.get(f"/court/cases/{case.id}/edit", headers=ZH)
    assert "3082.00" in form.text and case.case_number in form.text
    data = _form(case_number=case.case_number, damage_yuan="900", price_yuan="45", confirmed="1")
    assert client.post(f"/court/cases/{case.id}/edit", data=data).status_code == 302
    assert case.required_tonnes == 20
    factories.log_in(client, make_court_official())
    assert client.get(f"/court/cases/{case.id}", headers=ZH).status_code == 404


def test_public_register_in_both_languages_without_the_defendant(
    client: FlaskClient, db: Any, methodologies: Any
) -> None:
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=40)
    retirement = retire_for_case(case.id, 15, case.org_id, official.id)
    zh = client.get("/compensation", headers=ZH)
    assert case.case_number in zh.text and "张某" in zh.text and "15 / 40" in zh.text
    assert not english_sentences(zh.text)
    page = client.get(f"/compensation/{case.id}", headers=ZH)
    assert (
        "被告人未经许可滥伐林木" in page.text
        and f"/registry/retirements/{retirement.code}" in page.text
    )
    assert not english_sentences(page.text)
    en = client.get(f"/compensation/{case.id}", headers=EN)
    assert "Zhang (pseudonymised)" in en.text and "15 of 40 t retired" in en.text
    for text in (zh.text, page.text, en.text, client.get("/compensation", headers=EN).text):
        assert "张三丰" not in text and "三丰" not in text
    assert "/compensation" in client.get("/", headers=ZH).text  # linked from every page
    assert client.get("/compensation/999999").status_code == 404


def test_value_conversion_is_explained(client: FlaskClient, db: Any) -> None:
    case = make_case()
    page = client.get(f"/compensation/{case.id}", headers=EN)
    assert "divided by the reference price" in page.text and "69 t" in page.text


def test_a_court_official_lands_on_their_cases(client: FlaskClient, db: Any) -> None:
    official = make_court_official()
    response = client.post(
        "/auth/login", data={"login": official.phone, "password": factories.PASSWORD}
    )
    assert response.headers["Location"].endswith("/court")


def test_empty_register(client: FlaskClient, db: Any) -> None:
    assert "No cases yet." in client.get("/compensation", headers=EN).text
