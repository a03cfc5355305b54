"""Invariants 3, 5 and 8 over retirements and orders: a retirement's blocks add up to it (3), a
reservation is consumed or released exactly once and holds its order's tonnes (5), and a
retirement names what its purpose refers to (8; the closure itself, retired ≥ an event's
footprint or a case's ordered tonnes, is ``closure``'s)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import and_, case, func, literal, or_, select

from portal.db import session
from portal.market.invariants import BLOCKS, ORDERS, RETIREMENTS, TONNES, Check, Fault, worded
from portal.market.models import (
    BlockState,
    Order,
    OrderStatus,
    Retirement,
    RetirementPurpose,
    SerialBlock,
)


def _retirement_tonnes() -> Iterator[Fault]:
    """3: a retirement's retired blocks add up to its tonnes."""
    sums = (
        select(SerialBlock.retirement_id, func.sum(TONNES).label("tonnes"))
        .where(SerialBlock.state == BlockState.RETIRED.value)
        .group_by(SerialBlock.retirement_id)
        .subquery()
    )
    retired = func.coalesce(sums.c.tonnes, 0)
    rows = session().execute(
        select(Retirement.id, Retirement.tonnes, retired)
        .outerjoin(sums, sums.c.retirement_id == Retirement.id)
        .where(retired != Retirement.tonnes)
        .order_by(Retirement.id)
    )
    for retirement_id, tonnes, found in rows:
        yield Fault(
            RETIREMENTS, retirement_id, 3, f"retires {tonnes} tonnes, its blocks hold {found}"
        )


def _reserved_blocks() -> Iterator[Fault]:
    """5: a reserved block belongs to a reserved order of its own batch."""
    rows = session().execute(
        select(
            SerialBlock.id, SerialBlock.batch_id, SerialBlock.order_id, Order.status, Order.batch_id
        )
        .outerjoin(Order, Order.id == SerialBlock.order_id)
        .where(
            SerialBlock.state == BlockState.RESERVED.value,
            or_(
                Order.id.is_(None),
                Order.status != OrderStatus.RESERVED.value,
                Order.batch_id != SerialBlock.batch_id,
            ),
        )
        .order_by(SerialBlock.id)
    )
    for block_id, batch_id, order_id, status, order_batch in rows:
        if order_id is None:
            what = "a reserved block without an order"
        elif status != OrderStatus.RESERVED.value:
            what = f"reserved for order #{order_id}, which is {status}"
        else:
            what = f"reserved for order #{order_id} of batch #{order_batch}"
        yield Fault(BLOCKS, block_id, 5, f"batch #{batch_id}: {what}")


def _order_tonnes() -> Iterator[Fault]:
    """5: a reserved order's reserved blocks hold exactly its tonnes; no order's blocks hold
    more than it bought."""
    reserved_tonnes = func.sum(
        case((SerialBlock.state == BlockState.RESERVED.value, TONNES), else_=0)
    )
    sums = (
        select(
            SerialBlock.order_id,
            reserved_tonnes.label("reserved"),
            func.sum(TONNES).label("linked"),
        )
        .where(SerialBlock.order_id.is_not(None))
        .group_by(SerialBlock.order_id)
        .subquery()
    )
    reserved = func.coalesce(sums.c.reserved, 0)
    linked = func.coalesce(sums.c.linked, 0)
    is_reserved = Order.status == OrderStatus.RESERVED.value
    rows = session().execute(
        select(Order.id, Order.status, Order.tonnes, reserved, linked)
        .outerjoin(sums, sums.c.order_id == Order.id)
        .where(or_(and_(is_reserved, reserved != Order.tonnes), linked > Order.tonnes))
        .order_by(Order.id)
    )
    for order_id, status, tonnes, held, blocks in rows:
        what = (
            f"a reserved order of {tonnes} tonnes has {held} reserved"
            if status == OrderStatus.RESERVED.value and held != tonnes
            else f"an order of {tonnes} tonnes has blocks of {blocks}"
        )
        yield Fault(ORDERS, order_id, 5, what)


def _order_lifecycle() -> Iterator[Fault]:
    """5: consumed (paid) or released (cancelled, expired) exactly once, never both."""
    paid = Order.paid_at.is_not(None)
    released = Order.released_at.is_not(None)
    what = case(
        (Order.status == OrderStatus.RESERVED.value,
         case((or_(paid, released), literal("a reserved order already paid or released")))),
        (Order.status == OrderStatus.PAID.value,
         case((or_(~paid, released),
               literal("a paid order without its payment time, or released too")))),
        (Order.status.in_((OrderStatus.CANCELLED.value, OrderStatus.EXPIRED.value)),
         case((or_(paid, ~released), literal("a released order paid, or with no release time")))),
        else_=literal("unknown status"),
    )  # fmt: skip
    yield from worded(
        ORDERS, 5, iter(session().execute(select(Order.id, what).where(what.is_not(None))))
    )


def _purposes() -> Iterator[Fault]:
    """8: a retirement names what its purpose refers to."""
    purpose = Retirement.purpose
    what = case(
        (purpose.not_in([p.value for p in RetirementPurpose]), literal("unknown purpose")),
        (and_(purpose == RetirementPurpose.EVENT.value, Retirement.event_id.is_(None)),
         literal("an event's retirement without its event")),
        (and_(purpose == RetirementPurpose.COMPENSATION.value, Retirement.case_id.is_(None)),
         literal("a compensation without its court case")),
        (and_(purpose == RetirementPurpose.OPERATIONS.value, Retirement.purpose_year.is_(None)),
         literal("an operations retirement without its year")),
    )  # fmt: skip
    rows = session().execute(
        select(Retirement.id, what).where(what.is_not(None)).order_by(Retirement.id)
    )
    yield from worded(RETIREMENTS, 8, iter(rows))


CHECKS: tuple[Check, ...] = (
    _retirement_tonnes,
    _reserved_blocks,
    _order_tonnes,
    _order_lifecycle,
    _purposes,
)
