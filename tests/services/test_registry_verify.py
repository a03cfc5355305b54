"""``flask registry verify``: clean data passes; each kind of damage fails naming its row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from portal.clock import utcnow
from portal.db import session
from portal.market import holdings, serials
from portal.market.cli import registry_cli
from portal.market.holdings import Destination, Source
from portal.market.invariants import Fault
from portal.market.models import (
    Batch,
    BlockState,
    Listing,
    Order,
    OrderStatus,
    Retirement,
    SerialBlock,
)
from portal.market.verify import verify
from tests.factories import make_org, make_user
from tests.factories.base import next_number, save
from tests.factories.registry import make_clean_batch

pytestmark = pytest.mark.usefixtures("methodologies")


@dataclass
class Registry:
    batch: Batch
    other: Batch
    order: Order
    retirement: Retirement


def _order(batch: Batch, buyer_id: int, tonnes: int, status: OrderStatus) -> Order:
    listing = save(Listing(batch_id=batch.id, price_fen_per_tonne=100, listed_by_id=make_user().id))
    now = utcnow()
    paid = status is OrderStatus.PAID
    return save(
        Order(
            listing_id=listing.id,
            batch_id=batch.id,
            buyer_org_id=buyer_id,
            ordered_by_id=make_user().id,
            tonnes=tonnes,
            price_fen_per_tonne=100,
            amount_fen=tonnes * 100,
            status=status.value,
            idempotency_key=f"order-{next_number()}",
            expires_at=now + timedelta(minutes=30),
            paid_at=now if paid else None,
            payment_reference=f"pay-{next_number()}" if paid else None,
        )
    )


@pytest.fixture
def registry(db: Any) -> Registry:
    """Two clean batches: the first with 5 tonnes bought (paid), 2 of them retired, and 3
    more reserved for an unpaid order."""
    buyer = make_org()
    batch = make_clean_batch()
    other = make_clean_batch(issued_tonnes=10, buffer_tonnes=1)
    paid = _order(batch, buyer.id, 5, OrderStatus.PAID)
    source = Source(BlockState.AVAILABLE, batch_id=batch.id)
    holdings.move(source, 5, Destination(BlockState.HELD, holder_org_id=buyer.id))
    retirement = save(
        Retirement(
            code=f"R{next_number()}",
            holder_org_id=buyer.id,
            retired_by_id=make_user().id,
            tonnes=2,
            purpose="voluntary",
            beneficiary_zh="受益方",
            beneficiary_en="Beneficiary",
            idempotency_key=f"retire-{next_number()}",
        )
    )
    holdings.move(
        Source(BlockState.HELD, holder_org_id=buyer.id),
        2,
        Destination(BlockState.RETIRED, holder_org_id=buyer.id, retirement_id=retirement.id),
    )
    order = _order(batch, buyer.id, 3, OrderStatus.RESERVED)
    holdings.move(source, 3, Destination(BlockState.RESERVED, order_id=order.id))
    session().commit()
    assert paid.id
    return Registry(batch, other, order, retirement)


def _faults() -> list[Fault]:
    report = verify()
    assert not report.ok
    return report.faults


def _block_id(batch_id: int, state: BlockState) -> int:
    return (
        session()
        .scalars(
            select(SerialBlock.id)
            .where(SerialBlock.batch_id == batch_id, SerialBlock.state == state.value)
            .order_by(SerialBlock.start_serial)
        )
        .first()
        or 0
    )


def _has(faults: list[Fault], table: str, row_id: int, invariant: int, words: str) -> bool:
    return any(
        (f.table, f.row_id, f.invariant) == (table, row_id, invariant) and words in f.what
        for f in faults
    )


def test_a_clean_registry_passes_and_counts_what_it_checked(registry: Registry) -> None:
    report = verify()
    assert report.ok, [str(f) for f in report.faults]
    counts = report.counts
    assert counts["issued_batches"] == 2 and counts["orders"] == 2
    assert counts["tonnes_retired"] == 2 and counts["tonnes_held"] == 3
    assert counts["tonnes_reserved"] == 3 and counts["tonnes_buffer"] == 2
    assert counts["tonnes_available"] == 19 - 8 + 10 and counts["contributions"] == 4


def test_an_altered_block_end_overlaps_the_next_block(registry: Registry) -> None:
    first = _block_id(registry.batch.id, BlockState.RETIRED)
    session().execute(text(f"UPDATE registry_blocks SET end_serial = 3 WHERE id = {first}"))
    held = _block_id(registry.batch.id, BlockState.HELD)
    faults = _faults()
    assert _has(faults, "registry_blocks", held, 2, "overlap 3-3")
    assert _has(faults, "registry_batches", registry.batch.id, 1, "hold 21 tonnes")
    assert _has(faults, "registry_retirements", registry.retirement.id, 3, "blocks hold 3")


def test_a_deleted_block_leaves_a_gap(registry: Registry) -> None:
    held = _block_id(registry.batch.id, BlockState.HELD)
    session().execute(text("UPDATE registry_blocks SET split_from_id = NULL"))
    session().execute(text(f"DELETE FROM registry_blocks WHERE id = {held}"))
    reserved = _block_id(registry.batch.id, BlockState.RESERVED)
    faults = _faults()
    assert _has(faults, "registry_blocks", reserved, 2, "gap 3-5 before this block")
    assert _has(faults, "registry_batches", registry.batch.id, 1, "hold 17 tonnes")


def test_a_deleted_last_block_leaves_a_gap_at_the_end(registry: Registry) -> None:
    buffer = _block_id(registry.other.id, BlockState.BUFFER)
    session().execute(text(f"DELETE FROM registry_blocks WHERE id = {buffer}"))
    assert _has(_faults(), "registry_batches", registry.other.id, 2, "gap 11-11")


def test_an_inserted_overlapping_block_is_named(registry: Registry) -> None:
    block = save(
        SerialBlock(batch_id=registry.other.id, start_serial=4, end_serial=6, state="available")
    )
    faults = _faults()
    assert _has(faults, "registry_blocks", block.id, 2, "serials 4-6: overlap 4-6")
    assert _has(faults, "registry_batches", registry.other.id, 1, "hold 14 tonnes")


def test_a_block_beyond_the_total_is_named(registry: Registry) -> None:
    buffer = _block_id(registry.other.id, BlockState.BUFFER)
    session().execute(text(f"UPDATE registry_blocks SET end_serial = 12 WHERE id = {buffer}"))
    assert _has(_faults(), "registry_blocks", buffer, 2, "beyond the batch's total 11")


def test_a_retired_block_turned_available(registry: Registry) -> None:
    retired = _block_id(registry.batch.id, BlockState.RETIRED)
    session().execute(text(f"UPDATE registry_blocks SET state = 'available' WHERE id = {retired}"))
    faults = _faults()
    assert _has(faults, "registry_blocks", retired, 3, "available block linked to retirement")
    assert _has(faults, "registry_blocks", retired, 4, "available block held by organisation")
    assert _has(faults, "registry_retirements", registry.retirement.id, 3, "its blocks hold 0")


def test_reserved_blocks_without_an_order(registry: Registry) -> None:
    reserved = _block_id(registry.batch.id, BlockState.RESERVED)
    session().execute(text(f"UPDATE registry_blocks SET order_id = NULL WHERE id = {reserved}"))
    faults = _faults()
    assert _has(faults, "registry_blocks", reserved, 5, "a reserved block without an order")
    assert _has(faults, "registry_orders", registry.order.id, 5, "3 tonnes has 0 reserved")


def test_a_released_order_keeping_its_reservation(registry: Registry) -> None:
    order = registry.order.id
    session().execute(
        text(
            f"UPDATE registry_orders SET status = 'expired', released_at = paid_at "
            f"WHERE id = {order}"
        )
    )
    reserved = _block_id(registry.batch.id, BlockState.RESERVED)
    faults = _faults()
    assert _has(faults, "registry_blocks", reserved, 5, f"order #{order}, which is expired")
    assert _has(faults, "registry_orders", order, 5, "with no release time")


def test_batch_tonnes_not_adding_up(registry: Registry) -> None:
    batch = registry.other.id
    session().execute(
        text(
            "UPDATE registry_batches SET total_tonnes = total_tonnes + 1, "
            f"issued_tonnes = issued_tonnes + 1 WHERE id = {batch}"
        )
    )
    faults = _faults()
    assert _has(faults, "registry_batches", batch, 1, "total_tonnes is 12")
    assert _has(faults, "registry_batches", batch, 6, "total_tonnes is not pooled_grams")
    buffer = _block_id(batch, BlockState.BUFFER)
    assert _has(faults, "registry_blocks", buffer, 1, "crosses the buffer's boundary")


def test_grams_not_held_by_contributions(registry: Registry) -> None:
    batch = registry.other.id
    session().execute(
        text(f"UPDATE registry_contributions SET grams = grams - 1 WHERE batch_id = {batch}")
    )
    assert _has(_faults(), "registry_batches", batch, 6, "contributions hold 10999998 g")


def test_a_self_verified_batch(registry: Registry) -> None:
    batch = registry.batch.id
    session().execute(
        text(f"UPDATE registry_batches SET verified_by_id = sampled_by_id WHERE id = {batch}")
    )
    faults = _faults()
    assert _has(faults, "registry_batches", batch, 9, "sampled and verified by the same")
    assert [f.row_id for f in faults] == [batch]


def test_the_cli_exit_codes(app: Flask, registry: Registry) -> None:
    runner = app.test_cli_runner()
    clean = runner.invoke(registry_cli, ["verify"])
    assert clean.exit_code == 0, clean.output
    assert "Registry OK: 2 issued batches of 2" in clean.output
    assert "retired 2" in clean.output
    retired = _block_id(registry.batch.id, BlockState.RETIRED)
    session().execute(text(f"UPDATE registry_blocks SET retirement_id = NULL WHERE id = {retired}"))
    broken = runner.invoke(registry_cli, ["verify"])
    assert broken.exit_code == 1
    assert f"FAULT: registry_blocks #{retired} (invariant 3)" in broken.output
    assert "Registry FAILED: 2 faults" in broken.output


_ranges = st.lists(
    st.tuples(st.integers(1, 30), st.integers(0, 6)),
    min_size=0,
    max_size=8,
    unique_by=lambda r: r[0],
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ranges=_ranges)
def test_the_sql_tiling_check_agrees_with_the_pure_one(
    db: Any, ranges: list[tuple[int, int]]
) -> None:
    """Any blocks at all: the window query finds a fault exactly when ``tiling_faults`` does."""
    batch = session().scalars(select(Batch).where(Batch.batch_no == 1)).first() or make_clean_batch(
        issued_tonnes=19, buffer_tonnes=1
    )
    session().execute(text(f"DELETE FROM registry_blocks WHERE batch_id = {batch.id}"))
    pairs = [(start, start + length) for start, length in ranges]
    for start, end in pairs:
        session().add(
            SerialBlock(batch_id=batch.id, start_serial=start, end_serial=end, state="buffer")
        )
    session().flush()
    found = [f for f in verify().faults if f.invariant == 2]
    assert bool(found) == bool(serials.tiling_faults(batch.total_tonnes, pairs)), found


def test_a_buffer_cancelled_to_cover_a_loss_still_verifies(registry: Registry) -> None:
    holdings.move(
        Source(BlockState.BUFFER, batch_id=registry.other.id), 1, Destination(BlockState.CANCELLED)
    )
    session().commit()
    assert verify().ok


def test_a_retirement_without_what_its_purpose_names(registry: Registry) -> None:
    retirement = registry.retirement.id
    session().execute(
        text(f"UPDATE registry_retirements SET purpose = 'event' WHERE id = {retirement}")
    )
    assert _has(_faults(), "registry_retirements", retirement, 8, "without its event")


def test_faults_beyond_the_limit_are_counted(
    app: Flask, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.market.verify.MAX_FAULTS", 1)
    session().execute(text("UPDATE registry_batches SET verified_by_id = sampled_by_id"))
    report = verify()
    assert len(report.faults) == 1 and report.faults_omitted == 1
    output = app.test_cli_runner().invoke(registry_cli, ["verify"]).output
    assert "… and 1 more faults" in output and "Registry FAILED: 2 faults" in output


@pytest.mark.parametrize(
    ("change", "invariant", "words"),
    [
        ("end_serial = end_serial + 1", 2, "serials 1-3: overlap 3-3 with the next block"),
        ("end_serial = end_serial - 1", 2, "serials 1-1: gap 2-2 after this block"),
        ("state = 'held'", 3, "a held block linked to retirement"),
    ],
)
def test_an_altered_retired_block_fails_the_cli_naming_it(
    app: Flask, registry: Registry, change: str, invariant: int, words: str
) -> None:
    """The retired block (serials 1-2): its end moved either way, or its state turned back to
    held, makes ``flask registry verify`` exit 1 with a fault on that very row."""
    retired = _block_id(registry.batch.id, BlockState.RETIRED)
    session().execute(text(f"UPDATE registry_blocks SET {change} WHERE id = {retired}"))
    result = app.test_cli_runner().invoke(registry_cli, ["verify"])
    assert result.exit_code == 1
    assert f"FAULT: registry_blocks #{retired} (invariant {invariant}): batch #" in result.output
    assert words in result.output, result.output
    assert f"registry_retirements #{registry.retirement.id} (invariant 3)" in result.output
