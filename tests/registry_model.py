"""The registry state machine's model (``tests/services/test_registry_state_machine.py``): which
reductions pooling takes into which batch, each batch's numbers, status and tonnes per (state,
holder), each order's status, what each organisation retired; and the checks comparing the
model with the database."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal.clock import utcnow
from portal.db import session
from portal.market.invariants import TONNES
from portal.market.models import (
    Batch,
    BatchStatus,
    BlockState,
    Contribution,
    Order,
    OrderStatus,
    Retirement,
    SerialBlock,
)
from portal.market.tonnes import GRAMS_PER_TONNE, BatchNumbers, batch_numbers

AVAILABLE, RESERVED, HELD, RETIRED, BUFFER = (
    s.value for s in (BlockState.AVAILABLE, BlockState.RESERVED, BlockState.HELD,
                      BlockState.RETIRED, BlockState.BUFFER)
)  # fmt: skip
UNDECIDED = {BatchStatus.PROPOSED.value, BatchStatus.SAMPLED.value, BatchStatus.VERIFIED.value}
Holding = tuple[str, int | None]  # a block state and its holder (None: the platform)


class Clock:
    """The time ``orders`` and ``payments`` see: set per example, moved by the expiry rule."""

    now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@dataclass
class ModelBatch:
    id: int
    methodology_id: int
    reductions: frozenset[int]
    numbers: BatchNumbers
    status: str = BatchStatus.PROPOSED.value
    reviewer: int | None = None
    verifier: int | None = None
    listing: int | None = None  # its open listing
    tonnes: Counter[Holding] = field(default_factory=Counter)

    def move(self, tonnes: int, source: Holding, to: Holding) -> None:
        assert 0 < tonnes <= self.tonnes[source]
        self.tonnes[source] -= tonnes
        self.tonnes[to] += tonnes


@dataclass
class ModelOrder:
    batch_id: int
    org: int
    tonnes: int
    expires_at: datetime
    status: str = OrderStatus.RESERVED.value
    reference: str | None = None


@dataclass
class RegistryModel:
    methodology_ids: tuple[int, ...]
    reductions: dict[int, tuple[int, date, int]] = field(default_factory=dict)  # methodology,
    pooled: set[int] = field(default_factory=set)  # month and grams of each; those pooled
    batches: dict[int, ModelBatch] = field(default_factory=dict)
    listings: dict[int, tuple[int, bool]] = field(default_factory=dict)  # id → batch, open
    orders: dict[int, ModelOrder] = field(default_factory=dict)
    retired: Counter[int] = field(default_factory=Counter)  # tonnes per organisation
    retirements: int = 0

    def carry(self, methodology_id: int) -> int | None:
        """What the methodology's next batch claims; None while one is undecided."""
        mine = [b for b in self.batches.values() if b.methodology_id == methodology_id]
        if not mine:
            return 0
        last = max(mine, key=lambda b: b.id)
        if last.status in UNDECIDED:
            return None
        issued = last.status == BatchStatus.ISSUED.value
        return last.numbers.carry_out_grams if issued else last.numbers.carry_in_grams

    def next_batches(self, bp: int) -> dict[int, tuple[date, frozenset[int], BatchNumbers]]:
        """Per methodology, the month, reductions and numbers of the batch pooling proposes:
        the earliest month whose unpooled grams and the carry make a tonne."""
        expected = {}
        for methodology_id in self.methodology_ids:
            carry = self.carry(methodology_id)
            waiting: dict[date, set[int]] = defaultdict(set)
            for rid, (mid, month, _grams) in self.reductions.items():
                if mid == methodology_id and rid not in self.pooled:
                    waiting[month].add(rid)
            for month in sorted(waiting) if carry is not None else ():
                grams = sum(self.reductions[rid][2] for rid in waiting[month])
                numbers = batch_numbers(grams, carry or 0, bp)
                if numbers.total_tonnes:
                    expected[methodology_id] = (month, frozenset(waiting[month]), numbers)
                    break
        return expected

    def waiting(self, status: BatchStatus) -> bool:
        return any(batch.status == status.value for batch in self.batches.values())

    def reserved(self) -> bool:
        return any(o.status == OrderStatus.RESERVED.value for o in self.orders.values())

    def held(self, org_id: int) -> int:
        return sum(b.tonnes[(HELD, org_id)] for b in self.batches.values())

    def release(self, order: ModelOrder, status: OrderStatus) -> None:
        order.status = status.value
        self.batches[order.batch_id].move(order.tonnes, (RESERVED, None), (AVAILABLE, None))

    def retire(self, holder: int, tonnes: int) -> None:
        """Lowest batch first, as ``holdings.move`` takes them."""
        self.retirements += 1
        self.retired[holder] += tonnes
        left = tonnes
        for batch_id in sorted(self.batches):
            part = min(left, self.batches[batch_id].tonnes[(HELD, holder)])
            if part:
                self.batches[batch_id].move(part, (HELD, holder), (RETIRED, holder))
            left -= part
        assert left == 0


def check_blocks(model: RegistryModel) -> None:
    """Σ block sizes per batch, state and holder are the model's."""
    rows = session().execute(
        select(SerialBlock.batch_id, SerialBlock.state, SerialBlock.holder_org_id, func.sum(TONNES))
        .group_by(SerialBlock.batch_id, SerialBlock.state, SerialBlock.holder_org_id)
    )  # fmt: skip
    found = {(batch, state, holder): int(tonnes) for batch, state, holder, tonnes in rows}
    expected = {
        (batch.id, state, holder): tonnes
        for batch in model.batches.values()
        for (state, holder), tonnes in batch.tonnes.items()
        if tonnes
    }
    assert found == expected


def check_batches(model: RegistryModel) -> None:
    """Status, officials and numbers; issued tonnes never exceed ⌊(Σ contributions + the
    carry the model says was left − buffer) / 10⁶⌋."""
    sums = session().execute(
        select(Contribution.batch_id, func.sum(Contribution.grams)).group_by(Contribution.batch_id)
    )
    summed = {batch_id: int(grams) for batch_id, grams in sums}
    assert len(model.batches) == len(summed)
    for batch in session().scalars(select(Batch).execution_options(populate_existing=True)):
        expected = model.batches[batch.id]
        assert (batch.status, batch.verified_by_id) == (expected.status, expected.verifier)
        if expected.status != BatchStatus.PROPOSED.value:
            assert batch.sampled_by_id == expected.reviewer
        names = BatchNumbers.__dataclass_fields__
        assert BatchNumbers(**{name: getattr(batch, name) for name in names}) == expected.numbers
        claimed = summed[batch.id] + expected.numbers.carry_in_grams
        assert batch.issued_tonnes <= (claimed - batch.buffer_tonnes * GRAMS_PER_TONNE) // (
            GRAMS_PER_TONNE
        )


def check_no_gram_is_made(model: RegistryModel) -> None:
    """Per methodology, the issued batches' tonnes and the carry still to claim are their
    contributions' grams, exactly."""
    for methodology_id in model.methodology_ids:
        issued = [
            b
            for b in model.batches.values()
            if b.methodology_id == methodology_id and b.status == BatchStatus.ISSUED.value
        ]
        carry = model.carry(methodology_id)
        if carry is None or not issued:
            continue
        grams = sum(model.reductions[rid][2] for b in issued for rid in b.reductions)
        tonnes = sum(b.numbers.total_tonnes for b in issued)
        assert tonnes * GRAMS_PER_TONNE + carry == grams


def check_orders_and_retirements(model: RegistryModel) -> None:
    rows = session().execute(select(Order.id, Order.status))
    assert {order_id: status for order_id, status in rows} == {
        order_id: o.status for order_id, o in model.orders.items()
    }
    retired = session().execute(
        select(Retirement.holder_org_id, func.sum(Retirement.tonnes)).group_by(
            Retirement.holder_org_id
        )
    )
    by_org = {org: int(tonnes) for org, tonnes in retired}
    assert by_org == {org: tonnes for org, tonnes in model.retired.items() if tonnes}
    assert session().scalar(select(func.count()).select_from(Retirement)) == model.retirements


def check_splits() -> None:
    """A block split off another is of the same batch and starts after the parent ends."""
    parent = aliased(SerialBlock)
    astray = session().scalar(
        select(func.count())
        .select_from(SerialBlock)
        .join(parent, parent.id == SerialBlock.split_from_id)
        .where(
            (parent.batch_id != SerialBlock.batch_id)
            | (parent.end_serial >= SerialBlock.start_serial)
        )
    )
    assert astray == 0
