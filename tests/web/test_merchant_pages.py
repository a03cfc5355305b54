"""Merchant pages: applying, the officials' queue, the offer form and its bad input, publish
and pause, permissions, images, and both languages."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import Role
from portal.merchants.models import MerchantApplication, Offer, OfferRevision
from tests import factories
from tests.unit.test_zh_punctuation import latin_punctuation_next_to_chinese
from tests.web.test_partner_csv import post_form
from tests.web.test_zh_punctuation_pages import visible_text

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
# Text marked as English content (a name or a title given in English) is not the page's prose.
ENGLISH_CONTENT = re.compile(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', re.S)
SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,']+[A-Za-z]{2,}){2,}")


def english_sentences(page: str) -> list[str]:
    return SENTENCE.findall(visible_text(ENGLISH_CONTENT.sub(" ", page)))


def _apply_form(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name_zh": "长白山绿色酒店",
        "name_en": "Changbai Mountain Green Hotel",
        "unified_credit_code": factories.VALID_USCC[2],
        "category": "hotel",
        "contact_name": "韩经理",
        "contact_phone": "13900002222",
        "city_codes": ["220600"],
    }
    values.update(fields)
    return values


def _offer_form(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "coupon",
        "title_zh": "低碳咖啡券",
        "title_en": "Low-carbon coffee coupon",
        "terms_zh": "每人每次限用一张。",
        "terms_en": "One per visit.",
        "points_cost": "300",
        "inventory": "20",
        "per_person_limit": "1",
        "valid_from": "2026-01-01T08:00",
        "valid_until": "2099-12-31T20:00",
        "city_codes": ["220100"],
    }
    values.update(fields)
    if "image" not in values:
        values["image"] = (io.BytesIO(factories.image_bytes()), "coffee.png")
    return values


def test_apply_then_see_the_decision(client: FlaskClient, login_as: Any, db: Any) -> None:
    applicant = login_as("citizen")
    page = client.get("/merchant/apply", headers=ZH)
    assert page.status_code == 200 and "统一社会信用代码" in page.text
    assert not english_sentences(page.text)
    sent = client.post("/merchant/apply", data=_apply_form(), headers=ZH)
    assert sent.status_code == 302
    application = db.session.scalar(
        select(MerchantApplication).where(MerchantApplication.applicant_id == applicant.id)
    )
    official = factories.make_user_with_role(Role.OFFICIAL)
    factories.log_in(client, official)
    queue = client.get("/official/merchants", headers=ZH)
    assert queue.status_code == 200 and "长白山绿色酒店" in queue.text
    assert not english_sentences(queue.text)
    assert not latin_punctuation_next_to_chinese(visible_text(queue.text))
    refused = client.post(
        f"/official/merchants/{application.id}", data={"decision": "reject", "reason": ""}
    )
    assert refused.status_code == 422 and "理由" in refused.text
    decided = client.post(
        f"/official/merchants/{application.id}",
        data={"decision": "reject", "reason": "请补充营业执照"},
    )
    assert decided.status_code == 302
    factories.log_in(client, applicant)
    mine = client.get("/merchant/apply", headers=ZH)
    assert "请补充营业执照" in mine.text and "已驳回" in mine.text


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"unified_credit_code": "91350100M000100Y44"}, "不是有效的统一社会信用代码"),
        ({"unified_credit_code": "ABC"}, "不是有效的统一社会信用代码"),
        ({"city_codes": []}, "至少选择一个"),
        ({"category": "casino"}, "category-error"),
    ],
)
def test_bad_applications_get_a_message(
    client: FlaskClient, login_as: Any, fields: dict[str, Any], error: str
) -> None:
    login_as("citizen")
    response = client.post("/merchant/apply", data=_apply_form(**fields), headers=ZH)
    assert response.status_code == 422 and error in response.text


def test_the_queue_is_for_officials_and_admins(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    assert client.get("/official/merchants").status_code == 403
    login_as("merchant")
    assert client.get("/official/merchants").status_code == 403
    login_as("admin")
    assert client.get("/official/merchants").status_code == 200
    login_as("official")
    assert client.get("/official/merchants?status=approved").status_code == 200


def test_create_publish_and_edit_an_offer(app: Flask, client: FlaskClient, db: Any) -> None:
    merchant, staff = factories.make_merchant()
    factories.log_in(client, staff)
    assert client.get("/merchant/").headers["Location"].endswith(f"/merchant/{merchant.id}/")
    empty = client.get(f"/merchant/{merchant.id}/", headers=ZH)
    assert "还没有优惠" in empty.text
    form = client.get(f"/merchant/{merchant.id}/offers/new", headers=ZH)
    assert form.status_code == 200 and not english_sentences(form.text)
    made = post_form(client, f"/merchant/{merchant.id}/offers/new", _offer_form(), **ZH)
    assert made.status_code == 302, made.text
    offer = db.session.scalar(select(Offer).where(Offer.merchant_id == merchant.id))
    revision = db.session.get(OfferRevision, offer.current_revision_id)
    assert revision.valid_from.isoformat() == "2026-01-01T00:00:00+00:00"  # 08:00 Beijing
    page = client.get(f"/merchant/offers/{offer.id}", headers=ZH)
    assert "低碳咖啡券" in page.text and "草稿" in page.text
    assert page.text.count('name="move"') == 1  # one action, named once (a blank twin voids it)
    assert not english_sentences(page.text)
    image = client.get(f"/offer-images/{revision.image_id}/400.webp")
    assert image.status_code == 200 and image.mimetype == "image/webp"
    image.close()
    client.post(f"/merchant/offers/{offer.id}/move", data={"move": "publish"})
    assert offer.status == "published"
    edit = client.get(f"/merchant/offers/{offer.id}/edit", headers=ZH)
    assert 'value="2026-01-01T08:00"' in edit.text and 'name="seen_revision"' in edit.text
    data = _offer_form(points_cost="450", seen_revision="1", seen_inventory="20")
    del data["kind"], data["image"]
    forged = {**data, "seen_inventory": "-3"}
    assert post_form(client, f"/merchant/offers/{offer.id}/edit", forged).status_code == 400
    edited = post_form(client, f"/merchant/offers/{offer.id}/edit", data)
    assert edited.status_code == 302, edited.text
    history = client.get(f"/merchant/offers/{offer.id}", headers=EN)
    assert "Edit history" in history.text and "450" in history.text and "300" in history.text
    client.post(f"/merchant/offers/{offer.id}/move", data={"move": "pause"})
    assert offer.status == "paused"
    client.post("/auth/logout")
    assert client.get(f"/offer-images/{revision.image_id}/400.webp").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"points_cost": "-5"}, "points_cost"),
        ({"points_cost": "1.5"}, "points_cost"),
        ({"points_cost": "1e9"}, "points_cost"),
        ({"points_cost": "9" * 40}, "points_cost"),
        ({"points_cost": "abc"}, "points_cost"),
        ({"points_cost": ""}, "points_cost"),
        ({"inventory": "-1"}, "inventory"),
        ({"inventory": "2.5"}, "inventory"),
        ({"inventory": "99999999999"}, "inventory"),
        ({"inventory": "many"}, "inventory"),
        ({"per_person_limit": "0"}, "per_person_limit"),
        ({"valid_until": "2025-01-01T08:00"}, "valid_until"),
        ({"valid_until": "tomorrow"}, "valid_until"),
        ({"image": (io.BytesIO(b"GIF89a not really"), "cat.png")}, "image"),
        ({"image": (io.BytesIO(b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10)), "big.png")}, "image"),
        ({"image": (io.BytesIO(b"%PDF-1.4"), "terms.pdf")}, "image"),
    ],
)
def test_bad_offer_input_gets_a_message_and_writes_nothing(
    client: FlaskClient, db: Any, fields: dict[str, Any], field: str
) -> None:
    merchant, staff = factories.make_merchant()
    factories.log_in(client, staff)
    response = post_form(client, f"/merchant/{merchant.id}/offers/new", _offer_form(**fields), **ZH)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert db.session.scalar(select(Offer.id)) is None


def test_the_messages_read_in_each_language(client: FlaskClient, db: Any) -> None:
    merchant, staff = factories.make_merchant()
    factories.log_in(client, staff)
    url = f"/merchant/{merchant.id}/offers/new"
    bad = {"points_cost": "1.5", "image": (io.BytesIO(b"nope"), "x.jpg")}
    zh = post_form(client, url, _offer_form(**bad), **ZH)
    assert "请输入 1 到 1000000 之间的整数" in zh.text and not english_sentences(zh.text)
    bad = {"points_cost": "1.5", "image": (io.BytesIO(b"nope"), "x.jpg")}
    en = post_form(client, url, _offer_form(**bad), **EN)
    assert "Enter a whole number from 1 to 1000000." in en.text
    big = {"image": (io.BytesIO(b"\xff\xd8" + b"0" * (5 * 1024 * 1024)), "big.jpg")}
    assert "文件超过5 MB" in post_form(client, url, _offer_form(**big), **ZH).text


def test_staff_of_another_merchant_get_404(client: FlaskClient, db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_offer(merchant, staff, tmp_path)
    _other, stranger = factories.make_merchant()
    factories.log_in(client, stranger)
    for path in (
        f"/merchant/{merchant.id}/",
        f"/merchant/{merchant.id}/offers/new",
        f"/merchant/offers/{offer.id}",
        f"/merchant/offers/{offer.id}/edit",
    ):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(f"/merchant/offers/{offer.id}/move", data={"move": "publish"}).status_code
        == 404
    )
    assert offer.status == "draft"
    image_id = db.session.get(OfferRevision, offer.current_revision_id).image_id
    assert client.get(f"/offer-images/{image_id}/400.webp").status_code == 404
    factories.log_in(client, factories.make_user())  # a citizen: no merchant role at all
    assert client.get(f"/merchant/offers/{offer.id}").status_code == 403


def test_a_merchant_member_without_approval_is_sent_to_apply(
    client: FlaskClient, login_as: Any
) -> None:
    login_as("merchant")  # a membership in a merchant organisation, no approved application
    page = client.get("/merchant/", headers=ZH)
    assert page.status_code == 200 and "/merchant/apply" in page.text


def test_chinese_pages_have_no_english_prose(client: FlaskClient, db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_offer(merchant, staff, tmp_path)
    factories.log_in(client, staff)
    client.post("/merchant/apply", data=_apply_form())  # staff may apply for another one
    pages = [f"/merchant/{merchant.id}/", f"/merchant/offers/{offer.id}", "/merchant/apply"]
    application = db.session.scalar(
        select(MerchantApplication.id).order_by(MerchantApplication.id.desc())
    )
    for path in pages:
        text = client.get(path, headers=ZH).text
        assert not english_sentences(text), path
        assert not latin_punctuation_next_to_chinese(visible_text(text)), path
    factories.log_in(client, factories.make_user_with_role(Role.OFFICIAL))
    text = client.get(f"/official/merchants/{application}", headers=ZH).text
    assert "统一社会信用代码" in text and not english_sentences(text)
    assert not latin_punctuation_next_to_chinese(visible_text(text))
