"""Payment of an order, behind one small interface: ``PaymentMethod.record_payment``. Today
the operator confirms a bank transfer by hand (``BankTransfer``): the buyer transfers the
amount with the order number as the reference, the operator sees it arrive and records the
bank's own transfer reference (流水号, unique across orders) against the order. A payment
gateway's callback could implement the same method later.

Recording a payment consumes the reservation exactly once (DESIGN.md §7 invariant 5): the
order row is locked (``SELECT … FOR UPDATE``) before its status and expiry are read, and only a
reserved, unexpired order is paid; its blocks move reserved → held by the buyer organisation.
Held blocks do not keep the order's id (``order_id`` is cleared): the order's ``tonnes`` and
its ``paid`` status say what was bought, and a held block is the holder's to move or retire
like any other, whichever order brought it. Nothing else is recorded on the blocks.
"""

from __future__ import annotations

from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import transaction, unless_taken
from portal.errors import Conflict, NotAllowed
from portal.market import holdings, order_rules
from portal.market.holdings import Destination, Source
from portal.market.models import BlockState, Order, OrderStatus
from portal.market.orders import audit_order, lock_order
from portal.notifications import kinds
from portal.notifications.services import post

_TAKEN = _l("This transfer reference is recorded against another order already.")


class PaymentMethod(Protocol):
    def record_payment(
        self, *, actor: User, order_id: int, reference: str, ip: str | None = None
    ) -> Order:
        """Mark a reserved, unexpired order paid and hand its tonnes to the buyer."""


class BankTransfer:
    """The operator records a bank transfer that arrived (operator only)."""

    def record_payment(
        self, *, actor: User, order_id: int, reference: str, ip: str | None = None
    ) -> Order:
        """Record ``reference`` (the bank's transfer reference) as the payment of order
        ``order_id``: the order becomes ``paid``, its reserved tonnes are held by the buyer
        organisation, and whoever placed it is notified. Conflict when the order is not
        reserved, has expired (even if the expiry job has not run yet) or the reference is
        taken; NotAllowed for anyone but the operator. Audited."""
        if not actor.is_admin:
            raise NotAllowed(_l("Only the operator may record payments."))
        text = order_rules.payment_reference(reference)
        with transaction() as db:
            order = lock_order(order_id)
            _check_payable(order)
            if db.scalar(select(Order.id).where(Order.payment_reference == text)) is not None:
                raise Conflict(_TAKEN, field="reference")
            holdings.move(
                Source(BlockState.RESERVED, batch_id=order.batch_id, order_id=order.id),
                order.tonnes,
                Destination(BlockState.HELD, holder_org_id=order.buyer_org_id),
            )
            order.status = OrderStatus.PAID.value
            order.payment_reference = text
            order.paid_at = utcnow()
            order.payment_recorded_by_id = actor.id
            with unless_taken(Conflict(_TAKEN, field="reference")), db.begin_nested():
                db.flush()
            post(
                order.ordered_by_id,
                kinds.ORDER_PAID,
                {"order_id": order.id, "tonnes": order.tonnes, "amount_fen": order.amount_fen},
                key=f"{kinds.ORDER_PAID}:{order.id}",
            )
            audit_order("registry.order_paid", actor.id, order, ip)
        return order


def _check_payable(order: Order) -> None:
    if order.status == OrderStatus.PAID.value:
        raise Conflict(_l("This order is paid already."))
    if order.status != OrderStatus.RESERVED.value:
        raise Conflict(_l("This order was cancelled or expired: it can no longer be paid."))
    if order.expires_at <= utcnow():
        raise Conflict(_l("This order expired: it can no longer be paid."))


def payment_method() -> PaymentMethod:
    """The payment method in use."""
    return BankTransfer()
