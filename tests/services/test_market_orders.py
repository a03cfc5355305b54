"""Listings, orders and payment: each refusal, an idempotent replay, expiry releasing once,
payment after expiry refused, and Σ blocks unchanged through it all."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import MemberRole, OrgKind, Role, User
from portal.clock import utcnow
from portal.db import session
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.market import listings, orders, payments, serials
from portal.market.models import Batch, BlockState, OrderStatus, SerialBlock
from portal.market.payments import BankTransfer
from portal.notifications.models import Notification
from tests import factories
from tests.factories.market import make_issued_batch


def _token() -> str:
    return secrets.token_urlsafe(24)


def _tonnes_by_state(batch: Batch) -> dict[str, int]:
    rows = session().execute(
        select(SerialBlock.state, func.sum(SerialBlock.end_serial - SerialBlock.start_serial + 1))
        .where(SerialBlock.batch_id == batch.id)
        .group_by(SerialBlock.state)
    )
    return {state: int(tonnes) for state, tonnes in rows}


def _assert_conserved(batch: Batch) -> None:
    assert sum(_tonnes_by_state(batch).values()) == batch.total_tonnes
    ranges = session().execute(
        select(SerialBlock.start_serial, SerialBlock.end_serial).where(
            SerialBlock.batch_id == batch.id
        )
    )
    assert serials.tiling_faults(batch.total_tonnes, [tuple(r) for r in ranges]) == []


def _buyer(kind: OrgKind = OrgKind.ENTERPRISE) -> tuple[User, int]:
    user = factories.make_user()
    org = factories.make_org(kind=kind)
    factories.make_membership(user, org, MemberRole.STAFF)
    return user, org.id


@pytest.fixture
def market(methodologies: dict[str, Any]) -> dict[str, Any]:
    admin = factories.make_user_with_role(Role.ADMIN)
    batch = make_issued_batch(issued_tonnes=10, buffer_tonnes=1)
    listing = listings.list_batch(actor=admin, batch_id=batch.id, price="58.50")
    buyer, org_id = _buyer()
    return {"admin": admin, "batch": batch, "listing": listing, "buyer": buyer, "org": org_id}


def _order(m: dict[str, Any], tonnes: Any = 3, token: str | None = None, **kw: Any) -> Any:
    return orders.place_order(
        actor=kw.pop("actor", m["buyer"]),
        listing_id=kw.pop("listing_id", m["listing"].id),
        buyer_org_id=kw.pop("org", m["org"]),
        tonnes=tonnes,
        form_token=token or _token(),
        **kw,
    )


def test_listing_rules(market: dict[str, Any]) -> None:
    admin, batch, listing = market["admin"], market["batch"], market["listing"]
    assert listing.price_fen_per_tonne == 5850
    with pytest.raises(Conflict):
        listings.list_batch(actor=admin, batch_id=batch.id, price=100)
    with pytest.raises(NotAllowed):
        listings.close_listing(actor=market["buyer"], listing_id=listing.id)
    for bad in ("0", "-1", "abc", "1.234", 0):
        with pytest.raises(InvalidInput):
            listings.relist(actor=admin, listing_id=listing.id, price=bad)
    order = _order(market, 2)
    new = listings.relist(actor=admin, listing_id=listing.id, price="60")
    assert (new.price_fen_per_tonne, listing.status) == (6000, "closed")
    assert order.price_fen_per_tonne == 5850 and order.amount_fen == 11700
    with pytest.raises(Conflict):
        listings.close_listing(actor=admin, listing_id=listing.id)
    with pytest.raises(Conflict, match="closed"):
        _order(market, 1)
    assert _order(market, 1, listing_id=new.id).amount_fen == 6000


@pytest.mark.parametrize("tonnes", [0, -2, "1.5", 1.5, "abc", "", True, None])
def test_bad_tonnes_are_refused(market: dict[str, Any], tonnes: Any) -> None:
    with pytest.raises(InvalidInput):
        _order(market, tonnes)
    assert _tonnes_by_state(market["batch"]) == {"available": 10, "buffer": 1}


def test_more_than_available_and_strangers_are_refused(market: dict[str, Any]) -> None:
    with pytest.raises(Conflict, match="10"):
        _order(market, 11)
    stranger = factories.make_user()
    with pytest.raises(NotAllowed):
        _order(market, 1, actor=stranger)
    school_staff, school = _buyer(OrgKind.SCHOOL)
    with pytest.raises(NotAllowed):
        _order(market, 1, actor=school_staff, org=school)
    with pytest.raises(InvalidInput):
        _order(market, 1, token="short")
    _assert_conserved(market["batch"])


def test_an_event_organiser_buys_and_a_replay_orders_once(market: dict[str, Any]) -> None:
    user, org = _buyer(OrgKind.EVENT_ORGANISER)
    token = _token()
    first = _order(market, 4, token, actor=user, org=org)
    again = _order(market, 4, token, actor=user, org=org)
    assert again.id == first.id and first.status == "reserved"
    assert _tonnes_by_state(market["batch"]) == {"available": 6, "reserved": 4, "buffer": 1}
    with pytest.raises(Conflict):
        _order(market, 4, token)  # someone else's token
    assert first.expires_at - first.created_at == timedelta(hours=72)


def test_pay_hands_tonnes_to_the_buyer_and_notifies(market: dict[str, Any]) -> None:
    order = _order(market, 3)
    bank = BankTransfer()
    with pytest.raises(NotAllowed):
        bank.record_payment(actor=market["buyer"], order_id=order.id, reference="ICBC-0001")
    with pytest.raises(InvalidInput):
        bank.record_payment(actor=market["admin"], order_id=order.id, reference="x")
    paid = bank.record_payment(actor=market["admin"], order_id=order.id, reference="ICBC-0001")
    assert paid.status == "paid" and paid.payment_reference == "ICBC-0001"
    blocks = session().scalars(select(SerialBlock).where(SerialBlock.state == "held")).all()
    assert [(b.start_serial, b.end_serial, b.holder_org_id, b.order_id) for b in blocks] == [
        (1, 3, market["org"], None)
    ]
    notice = session().scalar(select(Notification).where(Notification.kind == "order_paid"))
    assert notice is not None and notice.user_id == market["buyer"].id
    with pytest.raises(Conflict, match="paid already"):
        bank.record_payment(actor=market["admin"], order_id=order.id, reference="ICBC-0002")
    other = _order(market, 1)
    with pytest.raises(Conflict, match="reference"):
        bank.record_payment(actor=market["admin"], order_id=other.id, reference="ICBC-0001")
    with pytest.raises(Conflict):
        orders.cancel_order(actor=market["buyer"], order_id=order.id)
    assert orders.expire_orders(utcnow() + timedelta(days=10)) == 1  # only the other one
    assert session().get(type(order), order.id).status == "paid"  # type: ignore[union-attr]
    _assert_conserved(market["batch"])


def test_cancel_by_buyer_or_operator_releases_once(market: dict[str, Any]) -> None:
    first, second = _order(market, 2), _order(market, 3)
    with pytest.raises(NotAllowed):
        orders.cancel_order(actor=factories.make_user(), order_id=first.id)
    orders.cancel_order(actor=market["buyer"], order_id=first.id)
    orders.cancel_order(actor=market["admin"], order_id=second.id)
    with pytest.raises(Conflict):
        orders.cancel_order(actor=market["admin"], order_id=second.id)
    assert (first.status, second.status) == ("cancelled", "cancelled")
    assert second.released_by_id == market["admin"].id
    assert _tonnes_by_state(market["batch"]) == {"available": 10, "buffer": 1}
    with pytest.raises(Conflict, match="cancelled"):
        BankTransfer().record_payment(actor=market["admin"], order_id=first.id, reference="B-123")
    _assert_conserved(market["batch"])


def test_expiry_job_releases_once_and_payment_after_expiry_is_refused(
    market: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = _order(market, 5, expiry_hours=1)
    with monkeypatch.context() as patch:
        patch.setattr(payments, "utcnow", lambda: utcnow() + timedelta(hours=2))
        with pytest.raises(Conflict, match="expired"):
            BankTransfer().record_payment(
                actor=market["admin"], order_id=order.id, reference="LATE-1"
            )
    assert order.status == "reserved"  # the job releases it, not the refused payment
    later = utcnow() + timedelta(hours=2)
    assert orders.expire_orders(utcnow()) == 0
    assert orders.expire_orders(later) == 1
    assert orders.expire_orders(later) == 0
    assert order.status == OrderStatus.EXPIRED.value
    assert _tonnes_by_state(market["batch"]) == {"available": 10, "buffer": 1}
    with pytest.raises(Conflict):
        BankTransfer().record_payment(actor=market["admin"], order_id=order.id, reference="B-999")
    notices = session().scalars(select(Notification).where(Notification.kind == "order_expired"))
    assert len(notices.all()) == 1
    _assert_conserved(market["batch"])
    assert BlockState.RESERVED.value not in _tonnes_by_state(market["batch"])
