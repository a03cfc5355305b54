"""The points mall's pages: browse, offer, the confirmation step, my vouchers with the QR code,
cancelling, the staff check page and the redemptions table, in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.ledger.queries import get_balance
from portal.mall.models import Voucher
from tests import factories
from tests.web.test_merchant_pages import EN, ZH, english_sentences

TOKEN = re.compile(r'name="request_key" type="hidden" value="([^"]+)"')


@pytest.fixture
def shop(db: Any, tmp_path: Path) -> Any:
    merchant, staff = factories.make_merchant()
    offer = factories.make_published_offer(merchant, staff, tmp_path, inventory=5)
    factories.make_published_offer(
        merchant,
        staff,
        tmp_path,
        title_zh="长春公交月票折扣",
        title_en="Bus pass discount",
        points_cost=200,
        city_codes=["220200"],
    )
    return merchant, staff, offer


def _redeem(client: FlaskClient, offer_id: int) -> Any:
    page = client.get(f"/mall/vouchers/redeem/{offer_id}", headers=ZH)
    assert page.status_code == 200
    token = TOKEN.search(page.get_data(as_text=True))
    assert token is not None
    return client.post(
        f"/mall/vouchers/redeem/{offer_id}", data={"request_key": token.group(1)}, headers=ZH
    ), token.group(1)


@pytest.mark.parametrize("headers", [ZH, EN])
def test_the_mall_lists_searches_filters_and_sorts(
    client: FlaskClient, shop: Any, headers: dict[str, str]
) -> None:
    page = client.get("/mall/", headers=headers).get_data(as_text=True)
    assert "绿色早餐券" in page or "Green breakfast coupon" in page
    found = client.get("/mall/?q=公交", headers=ZH).get_data(as_text=True)
    assert "长春公交月票折扣" in found and "绿色早餐券" not in found
    english = client.get("/mall/?q=BUS", headers=EN).get_data(as_text=True)
    assert "Bus pass discount" in english and "Green breakfast" not in english
    city = client.get("/mall/?city=220100", headers=ZH).get_data(as_text=True)
    assert "绿色早餐券" in city and "长春公交月票折扣" not in city
    cheap = client.get("/mall/?sort=cost_asc", headers=ZH).get_data(as_text=True)
    assert cheap.index("长春公交月票折扣") < cheap.index("绿色早餐券")
    odd = client.get("/mall/?sort=x&city=999&category=nope&page=abc", headers=ZH)
    assert odd.status_code == 200
    if headers is ZH:
        assert english_sentences(page) == []


def test_redeem_view_the_qr_and_cancel(client: FlaskClient, login_as: Any, shop: Any) -> None:
    _, _, offer = shop
    citizen = login_as()
    factories.make_earn(citizen.id, 1_000, f"test:web:{citizen.id}")
    offer_page = client.get(f"/mall/offers/{offer.id}", headers=ZH).get_data(as_text=True)
    assert "使用条款" in offer_page and english_sentences(offer_page) == []
    response, token = _redeem(client, offer.id)
    assert response.status_code == 302
    voucher_page = client.get(response.location, headers=ZH).get_data(as_text=True)
    assert "兑换成功" in voucher_page and english_sentences(voucher_page) == []
    voucher = factories.session().scalar(select(Voucher).where(Voucher.user_id == citizen.id))
    assert voucher is not None and voucher.display_code in voucher_page
    qr = client.get(f"/mall/vouchers/{voucher.id}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    # The same form posted again redeems nothing more.
    client.post(f"/mall/vouchers/redeem/{offer.id}", data={"request_key": token}, headers=ZH)
    assert get_balance(citizen.id) == 500
    mine = client.get("/mall/vouchers/", headers=EN).get_data(as_text=True)
    assert "Green breakfast coupon" in mine
    cancelled = client.post(
        f"/mall/vouchers/{voucher.id}/cancel", headers=ZH, follow_redirects=True
    )
    assert "积分已退回" in cancelled.get_data(as_text=True)
    assert get_balance(citizen.id) == 1_000


def test_too_few_points_gets_a_clear_message_in_both_languages(
    client: FlaskClient, login_as: Any, shop: Any
) -> None:
    _, _, offer = shop
    login_as()
    response, _token = _redeem(client, offer.id)
    assert response.status_code == 200
    assert "积分不足" in response.get_data(as_text=True)


def test_another_citizens_voucher_and_qr_are_not_found(
    client: FlaskClient, login_as: Any, shop: Any
) -> None:
    _, _, offer = shop
    other = factories.make_voucher(factories.make_citizen_with_points(600), offer)
    login_as()
    assert client.get(f"/mall/vouchers/{other.id}").status_code == 404
    assert client.get(f"/mall/vouchers/{other.id}/qr.svg").status_code == 404
    assert client.post(f"/mall/vouchers/{other.id}/cancel").status_code == 302
    assert factories.session().get(Voucher, other.id).status == "unused"  # type: ignore[union-attr]


@pytest.mark.parametrize("headers", [ZH, EN])
def test_staff_check_a_voucher_once(
    client: FlaskClient, shop: Any, headers: dict[str, str]
) -> None:
    merchant, staff, offer = shop
    voucher = factories.make_voucher(factories.make_citizen_with_points(600), offer)
    factories.log_in(client, staff)
    base = f"/merchant/{merchant.id}/check"
    empty = client.get(base, headers=headers).get_data(as_text=True)
    assert "jsQR-1.4.0" in empty or "data-decoder" in empty
    shown = client.get(f"{base}?code={voucher.display_code.lower()}", headers=headers)
    text = shown.get_data(as_text=True)
    assert voucher.display_code in text and 'name="code" type="hidden"' in text
    if headers is ZH:
        assert "确认核销" in text and english_sentences(text) == []
    done = client.post(base, data={"code": voucher.code}, headers=headers, follow_redirects=True)
    assert ("核销成功" if headers is ZH else "is now used") in done.get_data(as_text=True)
    again = client.post(base, data={"code": voucher.code}, headers=headers, follow_redirects=True)
    assert ("已核销" if headers is ZH else "Already checked") in again.get_data(as_text=True)
    made_up = client.get(f"{base}?code=AAAABBBBCCCCDDDD", headers=headers).get_data(as_text=True)
    assert ("本商户没有" if headers is ZH else "No voucher of this merchant") in made_up
    bad = client.get(f"{base}?code=xyz", headers=headers).get_data(as_text=True)
    assert ("16 位" if headers is ZH else "16 letters") in bad
    stats = client.get(f"/merchant/{merchant.id}/redemptions", headers=headers)
    title = "绿色早餐券" if headers is ZH else "Green breakfast coupon"
    assert stats.status_code == 200 and title in stats.get_data(as_text=True)


def test_another_merchants_staff_cannot_open_the_check_page(client: FlaskClient, shop: Any) -> None:
    merchant, _, offer = shop
    voucher = factories.make_voucher(factories.make_citizen_with_points(600), offer)
    _other, other_staff = factories.make_merchant()
    factories.log_in(client, other_staff)
    assert client.get(f"/merchant/{merchant.id}/check").status_code == 404
    assert (
        client.post(f"/merchant/{merchant.id}/check", data={"code": voucher.code}).status_code
        == 404
    )
