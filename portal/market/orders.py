"""Orders, one transaction each: an organisation's buyer orders whole tonnes of an open
listing, which reserves them (blocks available → reserved with the order's id) until
``expires_at``; the buyer or the operator cancels a reserved order, and the expiry job lets
the overdue ones go. Payment is ``portal.market.payments``.

A reservation is consumed or released exactly once (DESIGN.md §7 invariant 5): every command
locks the order row (``SELECT … FOR UPDATE``) before it reads its status, and only a reserved
order moves its blocks, so a cancel racing the expiry job or a payment finds the other's work
done and moves nothing. Placing locks the listing row, then (``holdings.move``) the batch row:
the same order as the operator's close, so the two never deadlock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, NotAllowed, NotFound
from portal.market import holdings, order_rules
from portal.market.holdings import Destination, NotEnoughTonnes, Source
from portal.market.listings import lock_listing
from portal.market.models import (
    Batch,
    BatchStatus,
    BlockState,
    ListingStatus,
    Order,
    OrderStatus,
)
from portal.notifications import kinds
from portal.notifications.services import post


def may_buy_for(user: User, org_id: int) -> bool:
    """Whether ``user`` is a manager or staff member of ``org_id``, an enterprise or an event
    organiser (the organisations an order may be placed for)."""
    return any(
        m.organisation_id == org_id and order_rules.may_buy_for(m.organisation.kind, m.role)
        for m in user.memberships
    )


def place_order(
    *,
    actor: User,
    listing_id: int,
    buyer_org_id: int,
    tonnes: Any,
    form_token: str,
    expiry_hours: int = order_rules.DEFAULT_EXPIRY_HOURS,
    ip: str | None = None,
) -> Order:
    """Reserve ``tonnes`` (whole, ≥ 1, at most what the listing's batch has available) of an
    open listing for ``buyer_org_id`` at the listing's price, until ``expiry_hours`` from now.
    A replay of ``form_token`` returns the first order and reserves nothing again. The actor
    must buy for that organisation (``may_buy_for``; NotAllowed otherwise). Audited."""
    amount = order_rules.order_tonnes(tonnes)
    key = f"order:{order_rules.form_token(form_token)}"
    if not may_buy_for(actor, buyer_org_id):
        raise NotAllowed(_l("You cannot buy for this organisation."))
    with transaction() as db:
        if (done := _replayed(key, actor)) is not None:
            return done
        listing = lock_listing(listing_id)
        if listing.status != ListingStatus.OPEN.value:
            raise Conflict(_l("This listing is closed: it takes no new orders."))
        batch = db.get(Batch, listing.batch_id)
        if batch is None or batch.status != BatchStatus.ISSUED.value:
            raise Conflict(_l("This listing is closed: it takes no new orders."))
        now = utcnow()
        order = Order(
            listing_id=listing.id,
            batch_id=listing.batch_id,
            buyer_org_id=buyer_org_id,
            ordered_by_id=actor.id,
            tonnes=amount,
            price_fen_per_tonne=listing.price_fen_per_tonne,
            amount_fen=amount * listing.price_fen_per_tonne,
            status=OrderStatus.RESERVED.value,
            idempotency_key=key,
            created_at=now,
            expires_at=now + timedelta(hours=expiry_hours),
        )
        with unless_taken(Conflict(_l("This order was already placed."))), db.begin_nested():
            db.add(order)
        try:
            holdings.move(
                Source(BlockState.AVAILABLE, batch_id=listing.batch_id),
                amount,
                Destination(BlockState.RESERVED, order_id=order.id),
            )
        except NotEnoughTonnes as short:
            raise Conflict(
                _l(
                    "Only %(tonnes)s tonnes are available: order fewer.",
                    tonnes=short.found,
                ),
                field="tonnes",
            ) from short
        audit_order("registry.order_placed", actor.id, order, ip)
    return order


def _replayed(key: str, actor: User) -> Order | None:
    order = session().scalar(select(Order).where(Order.idempotency_key == key))
    if order is not None and order.ordered_by_id != actor.id:
        raise Conflict(_l("This order was already placed."))
    return order


def lock_order(order_id: int) -> Order:
    """The order row, ``SELECT … FOR UPDATE`` (NotFound if there is none)."""
    order = session().scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound(_l("No such order."))
    return order


def may_cancel(user: User, order: Order) -> bool:
    """The operator, or a buyer of the ordering organisation, cancels a reserved order."""
    return order.status == OrderStatus.RESERVED.value and (
        user.is_admin or may_buy_for(user, order.buyer_org_id)
    )


def cancel_order(*, actor: User, order_id: int, ip: str | None = None) -> Order:
    """Cancel a reserved order: its tonnes go back to available, once. Conflict when it is
    paid, cancelled or expired already; NotAllowed for anyone but ``may_cancel``'s."""
    with transaction():
        order = lock_order(order_id)
        if not (actor.is_admin or may_buy_for(actor, order.buyer_org_id)):
            raise NotAllowed(_l("You cannot cancel this order."))
        if order.status != OrderStatus.RESERVED.value:
            raise Conflict(_l("Only a reserved order can be cancelled."))
        _release(order, OrderStatus.CANCELLED, actor.id)
        audit_order("registry.order_cancelled", actor.id, order, ip)
    return order


def expire_orders(now: datetime | None = None) -> int:
    """Release every reserved order whose ``expires_at`` has passed (the expiry job), one
    transaction per order; each buyer is told. Returns how many expired: running it again
    releases nothing twice, and a paid order never expires."""
    at = now or utcnow()
    due = list(
        session().scalars(
            select(Order.id)
            .where(Order.status == OrderStatus.RESERVED.value, Order.expires_at <= at)
            .order_by(Order.id)
        )
    )
    expired = 0
    for order_id in due:
        with transaction():
            order = lock_order(order_id)
            if order.status != OrderStatus.RESERVED.value or order.expires_at > at:
                continue  # paid or cancelled meanwhile
            _release(order, OrderStatus.EXPIRED, None)
            post(
                order.ordered_by_id,
                kinds.ORDER_EXPIRED,
                {"order_id": order.id, "tonnes": order.tonnes},
                key=f"{kinds.ORDER_EXPIRED}:{order.id}",
            )
            audit_order("registry.order_expired", None, order, None)
            expired += 1
    return expired


def _release(order: Order, status: OrderStatus, actor_id: int | None) -> None:
    holdings.move(
        Source(BlockState.RESERVED, batch_id=order.batch_id, order_id=order.id),
        order.tonnes,
        Destination(BlockState.AVAILABLE),
    )
    order.status = status.value
    order.released_at = utcnow()
    order.released_by_id = actor_id
    session().flush()


def audit_order(action: str, actor_id: int | None, order: Order, ip: str | None) -> None:
    """The audit event of a command on ``order`` (flush-only)."""
    record_audit(
        action,
        actor_id=actor_id,
        subject_type="registry_order",
        subject_id=order.id,
        ip=ip,
        details={
            "tonnes": order.tonnes,
            "amount_fen": order.amount_fen,
            "buyer_org_id": order.buyer_org_id,
            "status": order.status,
        },
    )
