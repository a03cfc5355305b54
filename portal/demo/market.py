"""Demo market: every issued batch that was never listed is listed at a demo price, and the
demo enterprise has a paid order of the first one, so the market, the buyer's holdings and
the operator's queue all show something; ``buy`` gives another demo buyer paid orders (the
event organiser's, the court's: ``portal.demo.offsets``). Idempotent: listed batches are left
alone, each order is keyed by a fixed form token and paid only while it is reserved."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from portal.accounts.models import OrgKind, User
from portal.db import session
from portal.demo.accounts import DEMO_LOGINS, find_user
from portal.market import listings
from portal.market.models import (
    Batch,
    BatchStatus,
    Listing,
    ListingStatus,
    Order,
    OrderStatus,
)
from portal.market.orders import place_order
from portal.market.payments import BankTransfer
from portal.market.trade_queries import get_available_tonnes

PRICE_FEN = 6_800  # ¥68.00 a tonne
ORDER_TONNES = 2
ORDER_TOKEN = "demo-market-order-00000000000001"  # 32 characters, like a form's token
REFERENCE = "DEMO-ICBC-20261101-0001"


def seed_market() -> None:
    """List the issued batches nobody listed yet; give the demo buyer a paid order."""
    admin = find_user(DEMO_LOGINS[-1].login)
    assert admin is not None
    batches = list(
        session().scalars(
            select(Batch).where(Batch.status == BatchStatus.ISSUED.value).order_by(Batch.id)
        )
    )
    listed = set(session().scalars(select(Listing.batch_id)))
    available = get_available_tonnes([b.id for b in batches])
    for batch in batches:
        if batch.id not in listed and available[batch.id]:
            listings.list_batch(actor=admin, batch_id=batch.id, price=PRICE_FEN)
    _paid_order(admin)


def _paid_order(admin: User) -> None:
    buyer_login = next(d for d in DEMO_LOGINS if d.org and d.org[2] is OrgKind.ENTERPRISE)
    buyer = find_user(buyer_login.login)
    listing = session().scalar(
        select(Listing).where(Listing.status == ListingStatus.OPEN.value).order_by(Listing.id)
    )
    if buyer is None or listing is None or not buyer.memberships:
        return
    if get_available_tonnes([listing.batch_id])[listing.batch_id] < ORDER_TONNES:
        return
    _place_and_pay(admin, buyer, listing, ORDER_TONNES, ORDER_TOKEN, REFERENCE)


def _place_and_pay(
    admin: User, buyer: User, listing: Listing, tonnes: int, token: str, reference: str
) -> Order:
    order = place_order(
        actor=buyer,
        listing_id=listing.id,
        buyer_org_id=buyer.memberships[0].organisation_id,
        tonnes=tonnes,
        form_token=token,
    )
    if order.status == OrderStatus.RESERVED.value:
        BankTransfer().record_payment(actor=admin, order_id=order.id, reference=reference)
    return order


def buy(buyer: User, tonnes: int, key: str) -> list[Order]:
    """Paid orders of ``tonnes`` in all for ``buyer``'s first organisation, from the open
    listings oldest first (as many as it takes); the orders of ``key`` found again on a rerun,
    nothing bought twice. Fewer tonnes when the listings have fewer left."""
    admin = find_user(DEMO_LOGINS[-1].login)
    assert admin is not None and buyer.memberships
    listings_open = list(
        session().scalars(
            select(Listing).where(Listing.status == ListingStatus.OPEN.value).order_by(Listing.id)
        )
    )
    available = get_available_tonnes([listing.batch_id for listing in listings_open])
    orders = []
    for n, listing in enumerate(listings_open):
        token = hashlib.sha256(f"demo-buy:{key}:{n}".encode()).hexdigest()[:32]
        order = session().scalar(select(Order).where(Order.idempotency_key == f"order:{token}"))
        if order is None and tonnes > 0 and available[listing.batch_id] > 0:
            take = min(tonnes, available[listing.batch_id])
            order = _place_and_pay(admin, buyer, listing, take, token, f"DEMO-{token[:12]}")
        if order is not None:
            orders.append(order)
            tonnes -= order.tonnes
    return orders
