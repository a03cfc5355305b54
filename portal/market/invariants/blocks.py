"""Invariants 1–4 over serial blocks: an issued batch's blocks hold its tonnes (1), the buffer
keeps the serials above the issued ones (1), the blocks tile ``1..total_tonnes`` (2; a gap or an
overlap is named on the blocks either side of it), a retired block keeps its retirement and no
other block has one (3), and holders match states (4)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, Subquery, and_, func, or_, select

from portal.db import session
from portal.market.invariants import BATCHES, BLOCKS, TONNES, Check, Fault
from portal.market.models import Batch, BatchStatus, BlockState, Retirement, SerialBlock

_PLATFORM_STATES = (BlockState.AVAILABLE.value, BlockState.RESERVED.value, BlockState.BUFFER.value)
_UNLINKED_STATES = (BlockState.AVAILABLE.value, BlockState.BUFFER.value)


def _block_sums() -> Iterator[Fault]:
    """1: an issued batch's blocks hold its total tonnes; a batch not issued has none."""
    sums = (
        select(SerialBlock.batch_id, func.sum(TONNES).label("tonnes"))
        .group_by(SerialBlock.batch_id)
        .subquery()
    )
    held = func.coalesce(sums.c.tonnes, 0)
    issued = Batch.status == BatchStatus.ISSUED.value
    rows = session().execute(
        select(Batch.id, Batch.status, Batch.total_tonnes, held)
        .outerjoin(sums, sums.c.batch_id == Batch.id)
        .where(or_(and_(issued, held != Batch.total_tonnes), and_(~issued, held != 0)))
        .order_by(Batch.id)
    )
    for batch_id, status, total, tonnes in rows:
        what = (
            f"its blocks hold {tonnes} tonnes, total_tonnes is {total}"
            if status == BatchStatus.ISSUED.value
            else f"a {status} batch has blocks of {tonnes} tonnes"
        )
        yield Fault(BATCHES, batch_id, 1, what)


def _buffer_range() -> Iterator[Fault]:
    """1: serials above issued_tonnes are the buffer's (buffer, or cancelled to cover a
    loss); no buffer block lies within the issued serials."""
    rows = session().execute(
        select(SerialBlock.id, SerialBlock.batch_id, SerialBlock.state, Batch.issued_tonnes)
        .join(Batch, Batch.id == SerialBlock.batch_id)
        .where(
            or_(
                and_(
                    SerialBlock.state == BlockState.BUFFER.value,
                    SerialBlock.start_serial <= Batch.issued_tonnes,
                ),
                and_(
                    SerialBlock.end_serial > Batch.issued_tonnes,
                    SerialBlock.state.not_in((BlockState.BUFFER.value, BlockState.CANCELLED.value)),
                ),
            )
        )
        .order_by(SerialBlock.id)
    )
    for block_id, batch_id, state, issued in rows:
        yield Fault(
            BLOCKS,
            block_id,
            1,
            f"batch #{batch_id}: a {state} block crosses the buffer's boundary "
            f"(serials above {issued} are the buffer's)",
        )


def _in_serial_order() -> Subquery:
    """Each block with its batch's total, the furthest end before it (``reach``, 0 for the
    first), the furthest end up to and including it (``reach_incl``) and the next block's
    start and end (NULL for the last), in serial order within its batch."""
    batch, order = SerialBlock.batch_id, (SerialBlock.start_serial, SerialBlock.id)
    end = SerialBlock.end_serial
    return (
        select(
            SerialBlock.id,
            SerialBlock.batch_id,
            SerialBlock.start_serial.label("start"),
            end.label("end"),
            Batch.total_tonnes.label("total"),
            func.coalesce(
                func.max(end).over(partition_by=batch, order_by=order, rows=(None, -1)), 0
            ).label("reach"),
            func.max(end)
            .over(partition_by=batch, order_by=order, rows=(None, 0))
            .label("reach_incl"),
            func.lead(SerialBlock.start_serial)
            .over(partition_by=batch, order_by=order)
            .label("next_start"),
            func.lead(end).over(partition_by=batch, order_by=order).label("next_end"),
        )
        .join(Batch, Batch.id == SerialBlock.batch_id)
        .subquery()
    )


def _tiling() -> Iterator[Fault]:
    """2: in serial order, each block starts right after the furthest end before it (no gap,
    no overlap) and ends within the batch's total."""
    c = _in_serial_order().c
    rows = session().execute(
        select(c.id, c.batch_id, c.start, c.end, c.total, c.reach)
        .where(or_(c.start != c.reach + 1, c.end > c.total))
        .order_by(c.batch_id, c.start, c.id)
    )
    for block_id, batch_id, start, end, total, reached in rows:
        if start > reached + 1:
            what = f"gap {reached + 1}-{start - 1} before this block"
        elif start <= reached:
            what = f"overlap {start}-{min(end, reached)} with the blocks before it"
        else:
            what = f"ends at {end}, beyond the batch's total {total}"
        yield Fault(BLOCKS, block_id, 2, f"batch #{batch_id}, serials {start}-{end}: {what}")
    yield from _tail_gaps()


def _block_ends() -> Iterator[Fault]:
    """2, from the other side: a block that runs into the next block, or whose end (the
    furthest so far) stops short of the next block's start or of the batch's total, is named
    too. A moved end is then found on the row that was changed, not only on its neighbour."""
    c = _in_serial_order().c
    furthest = c.end == c.reach_incl
    rows = session().execute(
        select(c.id, c.batch_id, c.start, c.end, c.total, c.next_start, c.next_end)
        .where(
            or_(
                c.end >= c.next_start,
                and_(furthest, c.end + 1 < c.next_start),
                and_(furthest, c.next_start.is_(None), c.end < c.total),
            )
        )
        .order_by(c.batch_id, c.start, c.id)
    )
    for block_id, batch_id, start, end, total, next_start, next_end in rows:
        if next_start is None:
            what = f"gap {end + 1}-{total} after this block, the last"
        elif end >= next_start:
            what = f"overlap {next_start}-{min(end, next_end)} with the next block"
        else:
            what = f"gap {end + 1}-{next_start - 1} after this block"
        yield Fault(BLOCKS, block_id, 2, f"batch #{batch_id}, serials {start}-{end}: {what}")


def _tail_gaps() -> Iterator[Fault]:
    """2: an issued batch's last block ends at its total."""
    ends = (
        select(SerialBlock.batch_id, func.max(SerialBlock.end_serial).label("last"))
        .group_by(SerialBlock.batch_id)
        .subquery()
    )
    last = func.coalesce(ends.c.last, 0)
    rows = session().execute(
        select(Batch.id, last, Batch.total_tonnes)
        .outerjoin(ends, ends.c.batch_id == Batch.id)
        .where(Batch.status == BatchStatus.ISSUED.value, last < Batch.total_tonnes)
        .order_by(Batch.id)
    )
    for batch_id, reached, total in rows:
        yield Fault(BATCHES, batch_id, 2, f"gap {reached + 1}-{total}: no block holds them")


def _retirement_links() -> Iterator[Fault]:
    """3 and 4: a retired block belongs to a retirement (and to its holder), no other block
    does; a held block has a holder, the platform's blocks (available, reserved, buffer)
    none, and available or buffer blocks belong to no order."""
    rows = session().execute(
        select(
            SerialBlock.id,
            SerialBlock.batch_id,
            SerialBlock.state,
            SerialBlock.holder_org_id,
            SerialBlock.order_id,
            SerialBlock.retirement_id,
            Retirement.holder_org_id,
        )
        .outerjoin(Retirement, Retirement.id == SerialBlock.retirement_id)
        .where(_link_faulty())
        .order_by(SerialBlock.id)
    )
    for block_id, batch_id, state, holder, order_id, retirement_id, retirer in rows:
        for invariant, what in _link_faults(state, holder, order_id, retirement_id, retirer):
            yield Fault(BLOCKS, block_id, invariant, f"batch #{batch_id}: {what}")


def _link_faulty() -> ColumnElement[bool]:
    retired = SerialBlock.state == BlockState.RETIRED.value
    return or_(
        and_(retired, SerialBlock.retirement_id.is_(None)),
        and_(~retired, SerialBlock.retirement_id.is_not(None)),
        and_(retired, Retirement.holder_org_id != SerialBlock.holder_org_id),
        and_(SerialBlock.state == BlockState.HELD.value, SerialBlock.holder_org_id.is_(None)),
        and_(SerialBlock.state.in_(_PLATFORM_STATES), SerialBlock.holder_org_id.is_not(None)),
        and_(SerialBlock.state.in_(_UNLINKED_STATES), SerialBlock.order_id.is_not(None)),
        SerialBlock.state.not_in([state.value for state in BlockState]),
    )


def _link_faults(
    state: str,
    holder: int | None,
    order_id: int | None,
    retirement_id: int | None,
    retirer: int | None,
) -> Iterator[tuple[int, str]]:
    if state not in {s.value for s in BlockState}:
        yield 3, f"unknown state {state!r}"
    if state == BlockState.RETIRED.value and retirement_id is None:
        yield 3, "a retired block without a retirement"
    if state != BlockState.RETIRED.value and retirement_id is not None:
        yield 3, f"a {state} block linked to retirement #{retirement_id}"
    if state == BlockState.RETIRED.value and None not in (holder, retirer) and holder != retirer:
        yield 4, f"held by organisation #{holder}, retired by organisation #{retirer}"
    if state == BlockState.HELD.value and holder is None:
        yield 4, "a held block without a holder"
    if state in _PLATFORM_STATES and holder is not None:
        yield 4, f"a {state} block held by organisation #{holder}"
    if state in _UNLINKED_STATES and order_id is not None:
        yield 5, f"a {state} block linked to order #{order_id}"


CHECKS: tuple[Check, ...] = (
    _block_sums,
    _buffer_range,
    _tiling,
    _block_ends,
    _retirement_links,
)
