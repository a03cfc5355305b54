"""Retirement pages: the public register and a retirement's page in both languages without
personal data, its certificate verifying at /verify, the buyer's two-step retire form with its
refusals, and the citizen's traceability page."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.certificates.credentials import verify_credential
from portal.certificates.models import Certificate
from portal.db import session
from portal.market.models import Retirement
from portal.market.retirements import retire
from tests.factories import log_in, make_membership, make_org, make_user
from tests.factories.retirements import add_contribution, make_holder, retire_args
from tests.web.test_merchant_pages import EN, ZH, english_sentences

TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="token"')


def _text(page: str) -> str:
    """The page with the serials' break points taken out, as a reader copies them."""
    return page.replace("<wbr>", "")


def _retired(tonnes: int = 2) -> tuple[Any, Any, Any, Retirement]:
    org, buyer, batch = make_holder(5)
    buyer.display_name = "绿色采购员"
    citizen = make_user(display_name="骑行者小王")
    add_contribution(batch, citizen, 600_000)
    done = retire(buyer, org.id, **retire_args(tonnes=tonnes, purpose="operations", year=2026))
    return org, buyer, citizen, done


def test_public_list_and_page_in_both_languages_without_personal_data(
    client: FlaskClient, methodologies: dict[str, Any]
) -> None:
    org, buyer, citizen, done = _retired()
    for path in ("/registry/retirements", f"/registry/retirements/{done.code}"):
        zh = client.get(path, headers=ZH)
        assert zh.status_code == 200 and org.name_zh in zh.text
        assert not english_sentences(zh.text), english_sentences(zh.text)
        for private in (buyer.phone, citizen.phone, citizen.display_name, buyer.display_name):
            assert private not in zh.text
        en = client.get(path, headers=EN)
        assert org.name_en in en.text and "A Jilin company" in en.text
    page = _text(client.get(f"/registry/retirements/{done.code}", headers=EN).text)
    assert "CN-JL-PH-JLCH-TV-001-202610-001-1-2" in page
    assert "1 citizen contributed to the batches these serial numbers came from." in page
    assert "Operations of 2026" in page
    assert client.get("/registry/retirements/nope").status_code == 404


def test_the_certificate_verifies_and_names_the_retirement(
    client: FlaskClient, methodologies: dict[str, Any]
) -> None:
    org, buyer, _, done = _retired(3)
    cert = session().get(Certificate, done.certificate_id)
    assert cert is not None
    page = client.get(f"/verify/{cert.code}", headers=EN)
    assert page.status_code == 200 and "Valid" in page.text
    assert org.name_en in page.text and "CN-JL-PH-JLCH-TV-001-202610-001-1-3" in _text(page.text)
    assert f"/registry/retirements/{done.code}" in page.text
    printable = client.get(f"/certificates/{cert.code}", headers=ZH)
    assert (
        printable.status_code == 200 and "<svg" in printable.text and org.name_zh in printable.text
    )
    # The holder is the organisation that retired, not the alias of whoever pressed the button.
    assert f'<p class="cert-holder">{org.name_zh}</p>' in printable.text
    assert f"<dd>{org.name_en}</dd>" in page.text
    for shown in (page.text, printable.text):
        assert buyer.display_name not in shown
    download = client.get(f"/certificates/{cert.code}.jwt", headers=EN)
    claims = verify_credential(download.text, client.get("/.well-known/jwks.json").get_json())
    assert claims["vc"]["credentialSubject"]["identifier"][0]["identityHash"] == org.name_en


def test_empty_register(client: FlaskClient, db: Any) -> None:
    assert "No retirements yet." in client.get("/registry/retirements", headers=EN).text


def _form(**fields: str) -> dict[str, str]:
    values = {
        "tonnes": "3",
        "purpose": "operations",
        "year": "2025",
        "beneficiary_zh": "吉林某公司",
        "beneficiary_en": "A Jilin company",
    }
    values.update(fields)
    return values


def test_a_buyer_retires_in_two_steps_and_a_replay_retires_once(
    client: FlaskClient, methodologies: dict[str, Any]
) -> None:
    org, buyer, _ = make_holder(5)
    log_in(client, buyer)
    assert client.get("/buyer/retire/").headers["Location"].endswith(f"/buyer/retire/{org.id}/")
    page = client.get(f"/buyer/retire/{org.id}/", headers=ZH)
    assert page.status_code == 200 and not english_sentences(page.text)
    step = client.post(f"/buyer/retire/{org.id}/", data=_form(), headers=EN)
    assert step.status_code == 200 and "CN-JL-PH-JLCH-TV-001-202610-001-1-3" in _text(step.text)
    match = TOKEN.search(step.text)
    assert match
    confirm = {**_form(), "token": match.group(1) or match.group(2)}
    done = client.post(f"/buyer/retire/{org.id}/confirm", data=confirm)
    assert done.status_code == 302 and "/registry/retirements/" in done.headers["Location"]
    assert client.post(f"/buyer/retire/{org.id}/confirm", data=confirm).status_code == 302
    assert session().scalar(select(func.sum(Retirement.tonnes))) == 3
    mine = client.get(f"/buyer/retire/{org.id}/", headers=EN).text
    assert "3 t" in mine and "A Jilin company" in mine


def test_bad_input_is_shown_on_the_form(client: FlaskClient, methodologies: dict[str, Any]) -> None:
    org, buyer, _ = make_holder(2)
    log_in(client, buyer)
    for fields, message in [
        ({"tonnes": "1.5"}, "Enter a whole number of tonnes"),
        ({"tonnes": "0"}, "Enter a whole number of tonnes"),
        ({"tonnes": "9"}, "Your organisation holds 2 t."),
        ({"year": ""}, "Enter the year of the operations offset"),
        ({"purpose": "event"}, "Not a valid choice"),
        ({"beneficiary_en": ""}, "Name the beneficiary in English."),
    ]:
        page = client.post(f"/buyer/retire/{org.id}/", data=_form(**fields), headers=EN)
        assert page.status_code == 422 and message in page.text, (fields, page.text[-3000:])
    year = client.post(
        f"/buyer/retire/{org.id}/confirm",
        data={**_form(year="2999"), "token": "t" * 32},
        headers=EN,
    )
    assert year.status_code == 422 and "Choose a year from 2000" in year.text
    assert session().scalar(select(func.count(Retirement.id))) == 0


def test_another_organisations_page_is_404(
    client: FlaskClient, methodologies: dict[str, Any]
) -> None:
    org, _, _ = make_holder(2)
    _, other_buyer, _ = make_holder(1)
    log_in(client, other_buyer)
    assert client.get(f"/buyer/retire/{org.id}/").status_code == 404
    assert client.post(f"/buyer/retire/{org.id}/confirm", data=_form()).status_code == 404


def test_the_citizen_sees_where_their_reductions_went(
    client: FlaskClient, methodologies: dict[str, Any]
) -> None:
    org, _, citizen, done = _retired()
    log_in(client, citizen)
    en = client.get("/me/traceability", headers=EN).text
    assert f"helped {org.name_en} offset its 2026 operations." in en
    assert "600,000 g CO₂e" in en and done.code in en
    zh = client.get("/me/traceability", headers=ZH).text
    assert org.name_zh in zh and "2026" in zh
    assert not english_sentences(zh), english_sentences(zh)
    assert "/me/traceability" in client.get("/me/", headers=ZH).text


def test_the_citizen_page_when_nothing_is_pooled(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    page = client.get("/me/traceability", headers=EN)
    assert "None of your reductions has been pooled into a batch yet." in page.text


def test_a_buyer_of_two_organisations_chooses_one(
    client: FlaskClient, methodologies: dict[str, Any]
) -> None:
    first, buyer, _ = make_holder(2)
    second = make_org(name_zh="第二机构", name_en="Second organisation")
    make_membership(buyer, second)
    log_in(client, buyer)
    page = client.get("/buyer/retire/", headers=ZH)
    assert page.status_code == 200 and first.name_zh in page.text and "第二机构" in page.text
    empty = client.get(f"/buyer/retire/{second.id}/", headers=EN).text
    assert "Your organisation holds no tonnes now." in empty
    assert "No retirements yet." in empty
