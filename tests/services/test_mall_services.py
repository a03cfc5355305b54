"""The points mall's services: redeem, cancel, check, expire, and every bad input of issue 12."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from portal.clock import utcnow
from portal.errors import Conflict, InvalidInput, NotFound
from portal.ledger import queries as ledger_queries
from portal.ledger.models import AccountKind, LedgerAccount
from portal.mall.models import Voucher, VoucherStatus
from portal.mall.queries import list_daily_counts
from portal.mall.rules import new_request_key, normalise_code
from portal.mall.services import cancel, check, expire_vouchers, find_for_check, redeem
from portal.merchants.models import Offer
from portal.merchants.offers import move_offer
from portal.notifications.models import Notification
from tests import factories


@pytest.fixture
def shop(db: Any, tmp_path: Path) -> Any:
    merchant, staff = factories.make_merchant()
    offer = factories.make_published_offer(merchant, staff, tmp_path, inventory=3)
    return merchant, staff, offer


def _balance(user: Any) -> int:
    return ledger_queries.get_balance(user.id)


def _merchant_entries(db: Any, merchant: Any) -> int:
    from portal.ledger.models import LedgerEntry

    account = db.session.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.kind == AccountKind.MERCHANT.value,
            LedgerAccount.owner_id == merchant.organisation_id,
        )
    )
    entries = db.session.scalars(
        select(LedgerEntry.points).where(LedgerEntry.account_id == account)
    )
    return sum(entries)


def test_redeem_debits_points_takes_a_unit_and_notifies(db: Any, shop: Any) -> None:
    merchant, _, offer = shop
    citizen = factories.make_citizen_with_points(1_200)
    voucher = factories.make_voucher(citizen, offer)
    assert voucher.status == VoucherStatus.UNUSED.value
    assert voucher.points_cost == 500 and voucher.revision_id == offer.current_revision_id
    assert len(voucher.code) == 16 and normalise_code(voucher.display_code) == voucher.code
    assert _balance(citizen) == 700
    assert _merchant_entries(db, merchant) == 500
    db.session.refresh(offer)
    assert offer.inventory == 2
    note = db.session.scalar(select(Notification).where(Notification.user_id == citizen.id))
    assert note is not None and note.kind == "voucher_issued"
    assert note.params["voucher_code"] == voucher.display_code


def test_codes_are_unique_and_random(db: Any) -> None:
    from portal.mall.rules import new_code

    codes = {new_code() for _ in range(2_000)}
    assert len(codes) == 2_000


def test_too_few_points_is_refused_and_nothing_is_written(db: Any, shop: Any) -> None:
    _, _, offer = shop
    citizen = factories.make_citizen_with_points(499)
    with pytest.raises(Conflict, match="Not enough points"):
        factories.make_voucher(citizen, offer)
    db.session.refresh(offer)
    assert offer.inventory == 3 and _balance(citizen) == 499
    assert db.session.scalar(select(Voucher).where(Voucher.user_id == citizen.id)) is None


def test_beyond_the_per_person_limit_is_refused(db: Any, shop: Any) -> None:
    _, _, offer = shop
    citizen = factories.make_citizen_with_points(5_000)
    factories.make_voucher(citizen, offer)
    factories.make_voucher(citizen, offer)
    with pytest.raises(Conflict, match="as many vouchers"):
        factories.make_voucher(citizen, offer)
    assert _balance(citizen) == 4_000


def test_a_cancelled_voucher_frees_its_place_under_the_limit(db: Any, shop: Any) -> None:
    _, _, offer = shop
    citizen = factories.make_citizen_with_points(5_000)
    first = factories.make_voucher(citizen, offer)
    factories.make_voucher(citizen, offer)
    cancel(user=citizen, voucher_id=first.id)
    factories.make_voucher(citizen, offer)
    assert _balance(citizen) == 4_000


def test_zero_inventory_is_refused(db: Any, shop: Any) -> None:
    _, _, offer = shop
    db.session.execute(update(Offer).where(Offer.id == offer.id).values(inventory=0))
    citizen = factories.make_citizen_with_points(1_000)
    with pytest.raises(Conflict, match="Sold out"):
        factories.make_voucher(citizen, offer)
    assert _balance(citizen) == 1_000


def test_paused_offer_is_refused(db: Any, shop: Any) -> None:
    _, staff, offer = shop
    move_offer(actor=staff, offer_id=offer.id, move="pause")
    citizen = factories.make_citizen_with_points(1_000)
    with pytest.raises(Conflict, match="paused"):
        factories.make_voucher(citizen, offer)


def test_unpublished_offer_is_not_found(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    draft = factories.make_offer(merchant, staff, tmp_path)
    citizen = factories.make_citizen_with_points(1_000)
    with pytest.raises(NotFound):
        factories.make_voucher(citizen, draft)
    with pytest.raises(NotFound):
        redeem(user=citizen, offer_id=987_654, request_key=new_request_key())


def test_expired_and_not_yet_started_offers_are_refused(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    ended = factories.make_published_offer(merchant, staff, tmp_path)
    later = factories.make_published_offer(
        merchant, staff, tmp_path, valid_from=utcnow() + timedelta(days=1)
    )
    citizen = factories.make_citizen_with_points(5_000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("portal.mall.services.utcnow", lambda: utcnow() + timedelta(days=31))
        with pytest.raises(Conflict, match="ended"):
            factories.make_voucher(citizen, ended)
    with pytest.raises(Conflict, match="not started"):
        factories.make_voucher(citizen, later)
    assert _balance(citizen) == 5_000


def test_an_offer_outside_the_citizens_city_is_refused(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_published_offer(merchant, staff, tmp_path, city_codes=["220200"])
    away = factories.make_citizen_with_points(1_000, city_code="220100")
    with pytest.raises(Conflict, match="not available in your city"):
        factories.make_voucher(away, offer)
    local = factories.make_citizen_with_points(1_000, city_code="220200")
    assert factories.make_voucher(local, offer).status == "unused"


def test_a_replayed_request_redeems_once(db: Any, shop: Any) -> None:
    _, _, offer = shop
    citizen = factories.make_citizen_with_points(2_000)
    key = new_request_key()
    first = redeem(user=citizen, offer_id=offer.id, request_key=key)
    again = redeem(user=citizen, offer_id=offer.id, request_key=key)
    assert again.id == first.id and _balance(citizen) == 1_500
    with pytest.raises(InvalidInput):
        redeem(user=factories.make_citizen_with_points(2_000), offer_id=offer.id, request_key=key)
    with pytest.raises(InvalidInput):
        redeem(user=citizen, offer_id=offer.id, request_key="short")


def test_cancel_refunds_once_and_returns_the_unit(db: Any, shop: Any) -> None:
    merchant, _, offer = shop
    citizen = factories.make_citizen_with_points(1_000)
    voucher = factories.make_voucher(citizen, offer)
    cancel(user=citizen, voucher_id=voucher.id)
    assert voucher.status == "cancelled" and voucher.cancelled_at is not None
    assert _balance(citizen) == 1_000 and _merchant_entries(db, merchant) == 0
    db.session.refresh(offer)
    assert offer.inventory == 3
    with pytest.raises(Conflict, match="cancelled"):
        cancel(user=citizen, voucher_id=voucher.id)
    assert _balance(citizen) == 1_000
    with pytest.raises(NotFound):
        cancel(user=factories.make_user(), voucher_id=voucher.id)


def test_check_once_then_already_checked(db: Any, shop: Any) -> None:
    merchant, staff, offer = shop
    citizen = factories.make_citizen_with_points(1_000)
    voucher = factories.make_voucher(citizen, offer)
    checked = check(actor=staff, merchant_id=merchant.id, code=voucher.display_code.lower())
    assert checked.status == "used" and checked.checked_by_id == staff.id
    with pytest.raises(Conflict, match="Already checked"):
        check(actor=staff, merchant_id=merchant.id, code=voucher.code)
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == citizen.id)
    ).all()
    assert sorted(kinds) == ["voucher_checked", "voucher_issued"]
    with pytest.raises(Conflict, match="Already checked"):
        cancel(user=citizen, voucher_id=voucher.id)
    assert _balance(citizen) == 500


def test_another_merchants_voucher_and_made_up_codes(db: Any, shop: Any, tmp_path: Path) -> None:
    merchant, staff, offer = shop
    other, other_staff = factories.make_merchant()
    voucher = factories.make_voucher(factories.make_citizen_with_points(1_000), offer)
    with pytest.raises(NotFound, match="No voucher of this merchant"):
        check(actor=other_staff, merchant_id=other.id, code=voucher.code)
    with pytest.raises(NotFound, match="No such merchant"):
        check(actor=other_staff, merchant_id=merchant.id, code=voucher.code)
    with pytest.raises(NotFound, match="No voucher of this merchant"):
        check(actor=staff, merchant_id=merchant.id, code="AAAA-BBBB-CCCC-DDDD")
    with pytest.raises(InvalidInput, match="16 letters"):
        find_for_check(actor=staff, merchant_id=merchant.id, code="12345")
    db.session.refresh(voucher)
    assert voucher.status == "unused"


def test_expired_and_cancelled_vouchers_cannot_be_checked(db: Any, shop: Any) -> None:
    merchant, staff, offer = shop
    citizen = factories.make_citizen_with_points(2_000)
    gone = factories.make_voucher(citizen, offer)
    cancel(user=citizen, voucher_id=gone.id)
    with pytest.raises(Conflict, match="cancelled"):
        check(actor=staff, merchant_id=merchant.id, code=gone.code)
    late = factories.make_voucher(citizen, offer)
    db.session.execute(
        update(Voucher).where(Voucher.id == late.id).values(expires_at=utcnow() - timedelta(1))
    )
    with pytest.raises(Conflict, match="expired"):
        check(actor=staff, merchant_id=merchant.id, code=late.code)


def test_the_expiry_job_expires_unused_vouchers_past_their_window_once(db: Any, shop: Any) -> None:
    merchant, staff, offer = shop
    citizen = factories.make_citizen_with_points(3_000)
    used = factories.make_voucher(citizen, offer)
    check(actor=staff, merchant_id=merchant.id, code=used.code)
    unused = factories.make_voucher(citizen, offer)
    later = utcnow() + timedelta(days=31)
    assert expire_vouchers(utcnow()) == 0
    assert expire_vouchers(later) == 1
    assert expire_vouchers(later) == 0
    db.session.refresh(unused)
    db.session.refresh(used)
    assert (unused.status, used.status) == ("expired", "used")
    assert _balance(citizen) == 2_000


def test_an_edit_does_not_change_the_price_of_an_issued_voucher(
    db: Any, shop: Any, tmp_path: Path
) -> None:
    from portal.merchants.offers import revise_offer

    _, staff, offer = shop
    citizen = factories.make_citizen_with_points(2_000)
    voucher = factories.make_voucher(citizen, offer)
    revise_offer(
        actor=staff,
        offer_id=offer.id,
        terms=factories.offer_terms(points_cost=900, inventory=2),
        seen_revision=1,
        seen_inventory=2,
        image=None,
        upload_dir=tmp_path,
    )
    cancel(user=citizen, voucher_id=voucher.id)
    assert _balance(citizen) == 2_000
    assert factories.make_voucher(citizen, offer).points_cost == 900


def test_daily_counts_per_offer(db: Any, shop: Any) -> None:
    merchant, staff, offer = shop
    citizen = factories.make_citizen_with_points(2_000)
    voucher = factories.make_voucher(citizen, offer)
    factories.make_voucher(citizen, offer)
    check(actor=staff, merchant_id=merchant.id, code=voucher.code)
    [row] = list_daily_counts(merchant.id)
    assert (row.offer_id, row.redeemed, row.checked) == (offer.id, 2, 1)
