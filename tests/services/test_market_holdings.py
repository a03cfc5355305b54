"""Moving tonnes between states and holders: splits keep the tiling, nothing moves on a
shortfall, final blocks never move."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.db import session
from portal.market import holdings, serials
from portal.market.holdings import Destination, NotEnoughTonnes, Source
from portal.market.models import BlockState, SerialBlock
from tests.factories.market import make_issued_batch


def _blocks(batch_id: int) -> list[tuple[int, int, str, int | None]]:
    rows = session().scalars(
        select(SerialBlock)
        .where(SerialBlock.batch_id == batch_id)
        .order_by(SerialBlock.start_serial)
    )
    return [(b.start_serial, b.end_serial, b.state, b.holder_org_id) for b in rows]


def test_partial_moves_split_blocks_and_keep_the_tiling(
    methodologies: dict[str, Any], make_org: Any
) -> None:
    buyer = make_org()
    batch = make_issued_batch(issued_tonnes=10, buffer_tonnes=1)
    assert _blocks(batch.id) == [(1, 10, "available", None), (11, 11, "buffer", None)]

    moved = holdings.move(
        Source(BlockState.AVAILABLE, batch_id=batch.id),
        4,
        Destination(BlockState.HELD, holder_org_id=buyer.id),
    )
    assert [(b.start_serial, b.end_serial) for b in moved] == [(1, 4)]
    holdings.move(
        Source(BlockState.HELD, holder_org_id=buyer.id), 1, Destination(BlockState.RETIRED)
    )
    session().commit()
    assert _blocks(batch.id) == [
        (1, 1, "retired", None),
        (2, 4, "held", buyer.id),
        (5, 10, "available", None),
        (11, 11, "buffer", None),
    ]
    ranges = [(start, end) for start, end, _, _ in _blocks(batch.id)]
    assert serials.tiling_faults(batch.total_tonnes, ranges) == []


def test_a_shortfall_moves_nothing_and_final_blocks_never_move(
    methodologies: dict[str, Any], make_org: Any
) -> None:
    buyer = make_org()
    batch = make_issued_batch(issued_tonnes=3, buffer_tonnes=0)
    with pytest.raises(NotEnoughTonnes) as refused:
        holdings.move(
            Source(BlockState.AVAILABLE, batch_id=batch.id),
            4,
            Destination(BlockState.HELD, buyer.id),
        )
    assert (refused.value.wanted, refused.value.found) == (4, 3)
    assert _blocks(batch.id) == [(1, 3, "available", None)]
    with pytest.raises(ValueError):
        holdings.move(Source(BlockState.RETIRED), 1, Destination(BlockState.AVAILABLE))
    with pytest.raises(ValueError):
        holdings.move(
            Source(BlockState.AVAILABLE, batch_id=batch.id), 0, Destination(BlockState.HELD)
        )


def test_a_move_across_batches_takes_the_oldest_batch_first(
    methodologies: dict[str, Any], make_org: Any
) -> None:
    buyer = make_org()
    first = make_issued_batch(issued_tonnes=2, buffer_tonnes=0)
    second = make_issued_batch(issued_tonnes=5, buffer_tonnes=0)
    for batch in (first, second):
        holdings.move(
            Source(BlockState.AVAILABLE, batch_id=batch.id),
            batch.issued_tonnes,
            Destination(BlockState.HELD, holder_org_id=buyer.id),
        )
    moved = holdings.move(
        Source(BlockState.HELD, holder_org_id=buyer.id), 3, Destination(BlockState.RETIRED)
    )
    assert [(b.batch_id, b.start_serial, b.end_serial) for b in moved] == [
        (first.id, 1, 2),
        (second.id, 1, 1),
    ]
    assert holdings.available_tonnes(Source(BlockState.HELD, holder_org_id=buyer.id)) == 4
