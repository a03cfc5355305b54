"""The only writer of serial blocks: creating a batch's blocks at issue and moving tonnes
between states and holders. Flush-only helpers for a service's transaction (CONVENTIONS
rule 2), never committing.

A move takes the lowest serials first. Where it takes part of a block, the block keeps its
first part, which moves, and a new block (``split_from_id``) keeps the rest in the old state,
so a batch's live blocks always tile ``1..total_tonnes`` (invariant 2).

Concurrency: a move locks the batch rows it touches (``SELECT … FOR UPDATE``, in id order)
before it reads any block. On PostgreSQL the block read after that lock sees every split an
earlier mover committed, so two movers of one batch run one after the other and neither
oversells nor is told "not enough" by a stale read; on SQLite ``BEGIN IMMEDIATE`` serialises
writers already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from portal.clock import utcnow
from portal.db import session
from portal.market.models import FINAL_STATES, Batch, BlockState, SerialBlock
from portal.market.serials import take_in_order


class NotEnoughTonnes(Exception):
    """Fewer tonnes match than the move asked for; nothing moved."""

    def __init__(self, wanted: int, found: int) -> None:
        super().__init__(f"wanted {wanted} tonnes, {found} found")
        self.wanted = wanted
        self.found = found


@dataclass(frozen=True)
class Source:
    """Which blocks a move takes from: a state, a holder (None: the platform), optionally one
    batch and one order (a reservation's blocks)."""

    state: BlockState
    holder_org_id: int | None = None
    batch_id: int | None = None
    order_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = [
            SerialBlock.state == self.state.value,
            SerialBlock.holder_org_id.is_(None)
            if self.holder_org_id is None
            else SerialBlock.holder_org_id == self.holder_org_id,
        ]
        if self.batch_id is not None:
            conditions.append(SerialBlock.batch_id == self.batch_id)
        if self.order_id is not None:
            conditions.append(SerialBlock.order_id == self.order_id)
        return conditions


@dataclass(frozen=True)
class Destination:
    """Where moved tonnes go: the new state and holder, and the order or retirement that now
    owns them (None clears the link)."""

    state: BlockState
    holder_org_id: int | None = None
    order_id: int | None = None
    retirement_id: int | None = None


def create_blocks(batch: Batch) -> list[SerialBlock]:
    """At issue: serials ``1..issued_tonnes`` available to the platform, the rest up to
    ``total_tonnes`` in the buffer. A batch of zero tonnes gets no block."""
    blocks = []
    if batch.issued_tonnes:
        blocks.append(_block(batch.id, 1, batch.issued_tonnes, BlockState.AVAILABLE))
    if batch.buffer_tonnes:
        blocks.append(
            _block(batch.id, batch.issued_tonnes + 1, batch.total_tonnes, BlockState.BUFFER)
        )
    session().add_all(blocks)
    session().flush()
    return blocks


def available_tonnes(source: Source) -> int:
    """Tonnes in the blocks ``source`` names (an unlocked read, for pages)."""
    return sum(block.tonnes for block in _blocks(source))


def move(source: Source, tonnes: int, destination: Destination) -> list[SerialBlock]:
    """Move the lowest ``tonnes`` serials of ``source`` to ``destination``; return the moved
    blocks in serial order (batch, then start). Raises ``NotEnoughTonnes`` and moves nothing
    when ``source`` holds fewer; ``ValueError`` for a non-positive ``tonnes``."""
    if tonnes <= 0:
        raise ValueError("tonnes must be positive")
    if source.state in FINAL_STATES:
        raise ValueError("retired and cancelled tonnes never move")
    lock_batches(_batch_ids(source))
    blocks = _blocks(source)
    found = sum(block.tonnes for block in blocks)
    if found < tonnes:
        raise NotEnoughTonnes(tonnes, found)
    by_start = {(block.batch_id, block.start_serial): block for block in blocks}
    ranges = [(block.batch_id, block.start_serial, block.end_serial) for block in blocks]
    moved = [
        _take(by_start[(batch_id, start)], end, destination)
        for batch_id, start, end in take_in_order(ranges, tonnes)
    ]
    session().flush()
    return moved


def lock_batches(batch_ids: Sequence[int]) -> None:
    """``SELECT … FOR UPDATE`` the batch rows, in id order (so two movers never deadlock)."""
    if batch_ids:
        session().execute(
            select(Batch.id)
            .where(Batch.id.in_(sorted(batch_ids)))
            .order_by(Batch.id)
            .with_for_update()
        ).all()


def _batch_ids(source: Source) -> list[int]:
    if source.batch_id is not None:
        return [source.batch_id]
    return list(
        session().scalars(select(SerialBlock.batch_id).where(*source.conditions()).distinct())
    )


def _blocks(source: Source) -> list[SerialBlock]:
    return list(
        session().scalars(
            select(SerialBlock)
            .where(*source.conditions())
            .order_by(SerialBlock.batch_id, SerialBlock.start_serial)
        )
    )


def _take(block: SerialBlock, last: int, destination: Destination) -> SerialBlock:
    """Move ``block.start_serial..last`` to ``destination``; the rest of the block, if any,
    stays where it was as a new block."""
    now = utcnow()
    if last < block.end_serial:
        rest = _block(block.batch_id, last + 1, block.end_serial, BlockState(block.state))
        rest.holder_org_id = block.holder_org_id
        rest.order_id = block.order_id
        rest.retirement_id = block.retirement_id
        rest.split_from_id = block.id
        block.end_serial = last
        session().add(rest)
    block.state = destination.state.value
    block.holder_org_id = destination.holder_org_id
    block.order_id = destination.order_id
    block.retirement_id = destination.retirement_id
    block.updated_at = now
    return block


def _block(batch_id: int, start: int, end: int, state: BlockState) -> SerialBlock:
    return SerialBlock(batch_id=batch_id, start_serial=start, end_serial=end, state=state.value)
