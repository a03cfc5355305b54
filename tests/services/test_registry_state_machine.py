"""Random sequences of the registry's commands — citizens' saleable reductions, pooling, the
sample review, verification and issue by three officials (and refused self-verification), a
listing, orders (more than available refused), payment, cancellation, expiry as the clock
moves, and retirements (more than held, another organisation's holding and a replayed token
refused or retiring once) — keep every invariant, and ``registry verify`` passes after each.

Splits happen wherever an order or a retirement takes part of a block. A model beside the
database says which reductions each batch pools, each batch's numbers and status, each
order's status and the tonnes of every (batch, state, holder); after every step the
invariants compare the two and run ``verify``. Each example runs inside a savepoint rolled
back at its end, so pooling and the carry see only that example's data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from portal.accounts.models import MemberRole, Role
from portal.clock import local_today, utcnow
from portal.db import session
from portal.errors import Conflict, NotAllowed
from portal.market import listings, orders, payments, retirements, services
from portal.market.models import (
    Batch,
    BatchStatus,
    Contribution,
    OrderStatus,
    SampleItem,
)
from portal.market.payments import BankTransfer
from portal.market.pooling import pool_reductions
from portal.market.verify import verify
from tests import factories
from tests.factories.pooling import add_saleable
from tests.factories.retirements import retire_args
from tests.registry_model import (
    AVAILABLE,
    BUFFER,
    HELD,
    RESERVED,
    Clock,
    ModelBatch,
    ModelOrder,
    RegistryModel,
    check_batches,
    check_blocks,
    check_no_gram_is_made,
    check_orders_and_retirements,
    check_splits,
)

CODES = ("JLCH-TR-006", "JLCH-TV-001")
MONTHS = (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1))
POOLED_AT = datetime(2026, 6, 1, tzinfo=UTC)  # every month above ended long enough ago
PICK = st.integers(0, 10_000)
WAITING = 6  # reductions left unpooled at most, so the steps go on to pool and trade
FEW_OR_MANY = st.one_of(st.integers(1, 3), st.integers(1, 40))  # tonnes
MOSTLY_FIRST = st.sampled_from([0, 0, 0, 1])  # the organisation holding from the start
SOMETIMES = st.integers(0, 3).map(lambda n: n == 0)  # a quarter of the time


class RegistryMachine(RuleBasedStateMachine):
    """Three citizens, two methodologies, three officials, the operator and two enterprises
    with a buyer each; ``methodology_ids`` and ``clock`` come from the test."""

    methodology_ids: tuple[int, ...]
    clock: Clock

    def __init__(self) -> None:
        super().__init__()
        session().commit()
        self.savepoint = session().get_bind().begin_nested()  # type: ignore[union-attr]
        self.clock.now = utcnow().replace(microsecond=0)
        self.citizens = [factories.make_user() for _ in range(3)]
        self.officials = [factories.make_user_with_role(Role.OFFICIAL) for _ in range(3)]
        self.operator = factories.make_user_with_role(Role.ADMIN)
        self.orgs = [factories.make_org() for _ in range(2)]
        self.buyers = [factories.make_user() for _ in self.orgs]
        for buyer, org in zip(self.buyers, self.orgs, strict=True):
            factories.make_membership(buyer, org, MemberRole.MANAGER)
        self.model = RegistryModel(self.methodology_ids)
        self.references = 0

    @initialize(
        grams=st.lists(st.integers(1_000_000, 6_000_000), min_size=2, max_size=4),
        price=st.integers(1, 10_000_000),
        bought=st.integers(1, 3),
    )
    def an_issued_batch_partly_sold(self, grams: list[int], price: int, bought: int) -> None:
        """Every example starts with a batch carried through by the services, listed, and
        some of it bought by the first organisation."""
        self.add_reductions(who=0, code=0, month=MONTHS[0], grams=grams)
        self.pool(bp=500)
        self.review_sample(pick=0, who=0, fail_one=False, stop=False)
        self.verify_batch(pick=0, who=1)
        self.issue_batch(pick=0, who=2)
        self.list_batch(pick=0, price=price)
        available = self.model.batches[min(self.model.batches)].tonnes[(AVAILABLE, None)]
        self.place_order(pick=0, org=0, tonnes=min(bought, available), hours=3, replay=False)
        self.pay(pick=0, taken=False)

    def teardown(self) -> None:
        session().rollback()
        session().expunge_all()
        self.savepoint.rollback()

    def _batch(self, pick: int) -> ModelBatch:
        return self.model.batches[sorted(self.model.batches)[pick % len(self.model.batches)]]

    def _order(self, pick: int) -> tuple[int, ModelOrder]:
        """Mostly a reserved order; every fourth pick any order (paid or released too)."""
        reserved = [
            i for i, o in self.model.orders.items() if o.status == OrderStatus.RESERVED.value
        ]
        ids = sorted(reserved if pick % 4 and reserved else self.model.orders)
        order_id = ids[pick // 4 % len(ids)]
        return order_id, self.model.orders[order_id]

    @precondition(lambda self: len(self.model.reductions) - len(self.model.pooled) < WAITING)
    @rule(
        who=st.integers(0, 2),
        code=st.integers(0, len(CODES) - 1),
        month=st.sampled_from(MONTHS),
        grams=st.lists(st.integers(50_000, 4_000_000), min_size=1, max_size=4),
    )
    def add_reductions(self, who: int, code: int, month: date, grams: list[int]) -> None:
        methodology_id = self.methodology_ids[code]
        at = datetime(month.year, month.month, 10, 4, tzinfo=UTC)
        made = add_saleable(self.citizens[who], SimpleNamespace(id=methodology_id), at, grams)
        for reduction in made:
            self.model.reductions[reduction.id] = (methodology_id, month, reduction.net_grams)

    @precondition(lambda self: self.model.next_batches(0))
    @rule(bp=st.sampled_from([0, 500, 2_500]))
    def pool(self, bp: int) -> None:
        expected = self.model.next_batches(bp)
        report = pool_reductions(now=POOLED_AT, delay_days=7, buffer_bp=bp)
        assert report.batches == len(expected)
        new = session().execute(
            select(Batch.id, Batch.methodology_id, Batch.vintage).where(
                Batch.id.not_in(list(self.model.batches) or [0])
            )
        )
        found = {}
        for batch_id, methodology_id, vintage in new:
            pooled = session().scalars(
                select(Contribution.reduction_id).where(Contribution.batch_id == batch_id)
            )
            month, reductions, numbers = expected[methodology_id]
            assert (vintage, frozenset(pooled)) == (month.year * 100 + month.month, reductions)
            found[methodology_id] = batch_id
            self.model.batches[batch_id] = ModelBatch(batch_id, methodology_id, reductions, numbers)
            self.model.pooled |= reductions
        assert set(found) == set(expected)

    @precondition(lambda self: self.model.waiting(BatchStatus.PROPOSED))
    @rule(pick=PICK, who=st.integers(0, 2), fail_one=SOMETIMES, stop=SOMETIMES)
    def review_sample(self, pick: int, who: int, fail_one: bool, stop: bool) -> None:
        """Pass every sampled record (or fail the first) and complete the review; ``stop``:
        leave after the first record, so the review stays that official's."""
        batch, official = self._batch(pick), self.officials[who]
        items = session().scalars(
            select(SampleItem.id).where(SampleItem.batch_id == batch.id).order_by(SampleItem.id)
        )
        review = {"actor": official, "batch_id": batch.id}
        if batch.status != BatchStatus.PROPOSED.value or batch.reviewer not in (None, official.id):
            with pytest.raises(NotAllowed):
                services.review_item(**review, item_id=next(iter(items)), passed=True)
            return
        batch.reviewer = official.id
        for position, item in enumerate(items):
            failed = fail_one and position == 0
            reason = "implausible" if failed else None
            services.review_item(**review, item_id=item, passed=not failed, reason=reason)
            if stop:
                return
        done = services.complete_review(**review)
        batch.status = BatchStatus.REJECTED.value if fail_one else BatchStatus.SAMPLED.value
        assert done.status == batch.status

    @precondition(lambda self: self.model.waiting(BatchStatus.SAMPLED))
    @rule(pick=PICK, who=st.integers(0, 2))
    def verify_batch(self, pick: int, who: int) -> None:
        """A second official verifies; the reviewer verifying their own sample is refused."""
        batch, official = self._batch(pick), self.officials[who]
        if batch.status != BatchStatus.SAMPLED.value or official.id == batch.reviewer:
            with pytest.raises(NotAllowed):
                services.verify_batch(actor=official, batch_id=batch.id)
            return
        services.verify_batch(actor=official, batch_id=batch.id)
        batch.status, batch.verifier = BatchStatus.VERIFIED.value, official.id

    @precondition(lambda self: self.model.waiting(BatchStatus.VERIFIED))
    @rule(pick=PICK, who=st.integers(0, 2))
    def issue_batch(self, pick: int, who: int) -> None:
        batch, official = self._batch(pick), self.officials[who]
        if batch.status != BatchStatus.VERIFIED.value or official.id in (
            batch.reviewer,
            batch.verifier,
        ):
            with pytest.raises(NotAllowed):
                services.issue_batch(actor=official, batch_id=batch.id)
            return
        services.issue_batch(actor=official, batch_id=batch.id)
        batch.status = BatchStatus.ISSUED.value
        batch.tonnes[(AVAILABLE, None)] = batch.numbers.issued_tonnes
        batch.tonnes[(BUFFER, None)] = batch.numbers.buffer_tonnes

    @precondition(lambda self: self.model.waiting(BatchStatus.ISSUED))
    @rule(pick=PICK, price=st.integers(1, 10_000_000))
    def list_batch(self, pick: int, price: int) -> None:
        batch = self._batch(pick)
        with pytest.raises(NotAllowed):  # a buyer is not the operator
            listings.list_batch(actor=self.buyers[0], batch_id=batch.id, price=price)
        call = {"actor": self.operator, "batch_id": batch.id, "price": price}
        issued = batch.status == BatchStatus.ISSUED.value
        if not issued or batch.listing is not None or not batch.tonnes[(AVAILABLE, None)]:
            with pytest.raises(Conflict):
                listings.list_batch(**call)
            return
        listing = listings.list_batch(**call)
        batch.listing = listing.id
        self.model.listings[listing.id] = (batch.id, True)

    @precondition(lambda self: any(is_open for _, is_open in self.model.listings.values()))
    @rule(pick=PICK)
    def close_listing(self, pick: int) -> None:
        listing_id = sorted(self.model.listings)[pick % len(self.model.listings)]
        batch_id, is_open = self.model.listings[listing_id]
        if not is_open:
            with pytest.raises(Conflict):
                listings.close_listing(actor=self.operator, listing_id=listing_id)
            return
        listings.close_listing(actor=self.operator, listing_id=listing_id)
        self.model.listings[listing_id] = (batch_id, False)
        self.model.batches[batch_id].listing = None

    @precondition(lambda self: any(is_open for _, is_open in self.model.listings.values()))
    @rule(
        pick=PICK,
        org=MOSTLY_FIRST,
        tonnes=FEW_OR_MANY,
        hours=st.integers(1, 3),
        replay=st.booleans(),
    )
    def place_order(self, pick: int, org: int, tonnes: int, hours: int, replay: bool) -> None:
        listing_id = sorted(self.model.listings)[pick % len(self.model.listings)]
        batch_id, is_open = self.model.listings[listing_id]
        batch = self.model.batches[batch_id]
        token = secrets.token_urlsafe(24)
        call = {
            "actor": self.buyers[org],
            "listing_id": listing_id,
            "buyer_org_id": self.orgs[org].id,
            "tonnes": tonnes,
            "form_token": token,
            "expiry_hours": hours,
        }
        if not is_open or tonnes > batch.tonnes[(AVAILABLE, None)]:
            with pytest.raises(Conflict):
                orders.place_order(**call)
            return
        placed = orders.place_order(**call)
        if replay:  # the same form posted again: the same order, nothing more reserved
            assert orders.place_order(**call).id == placed.id
        expires = self.clock.now + timedelta(hours=hours)
        self.model.orders[placed.id] = ModelOrder(batch_id, self.orgs[org].id, tonnes, expires)
        batch.move(tonnes, (AVAILABLE, None), (RESERVED, None))

    @precondition(lambda self: self.model.reserved())
    @rule(pick=PICK, taken=SOMETIMES)
    def pay(self, pick: int, taken: bool) -> None:
        """The operator records a transfer; a reference of another order's is refused."""
        order_id, order = self._order(pick)
        used = [o.reference for o in self.model.orders.values() if o.reference]
        self.references += 1
        reference = used[0] if taken and used else f"BANK-{self.references:06d}"
        call = {"actor": self.operator, "order_id": order_id, "reference": reference}
        with pytest.raises(NotAllowed):
            BankTransfer().record_payment(**{**call, "actor": self.buyers[0]})
        late = order.expires_at <= self.clock.now
        if order.status != OrderStatus.RESERVED.value or late or (taken and used):
            with pytest.raises(Conflict):
                BankTransfer().record_payment(**call)
            return
        BankTransfer().record_payment(**call)
        order.status, order.reference = OrderStatus.PAID.value, reference
        self.model.batches[order.batch_id].move(order.tonnes, (RESERVED, None), (HELD, order.org))

    @precondition(lambda self: self.model.reserved())
    @rule(pick=PICK, who=st.sampled_from(["buyer", "operator", "stranger"]))
    def cancel(self, pick: int, who: str) -> None:
        order_id, order = self._order(pick)
        own = self.orgs.index(next(o for o in self.orgs if o.id == order.org))
        actor = {
            "buyer": self.buyers[own],
            "operator": self.operator,
            "stranger": self.buyers[1 - own],  # another organisation's buyer
        }[who]
        if who == "stranger":
            with pytest.raises(NotAllowed):
                orders.cancel_order(actor=actor, order_id=order_id)
            return
        if order.status != OrderStatus.RESERVED.value:
            with pytest.raises(Conflict):
                orders.cancel_order(actor=actor, order_id=order_id)
            return
        orders.cancel_order(actor=actor, order_id=order_id)
        self.model.release(order, OrderStatus.CANCELLED)

    @precondition(lambda self: self.model.reserved())
    @rule(hours=st.integers(0, 3))
    def expire(self, hours: int) -> None:
        """The clock moves on and the expiry job runs (twice: the rerun releases nothing)."""
        self.clock.now += timedelta(hours=hours)
        due = [
            o
            for o in self.model.orders.values()
            if o.status == OrderStatus.RESERVED.value and o.expires_at <= self.clock.now
        ]
        assert orders.expire_orders() == len(due)
        assert orders.expire_orders() == 0
        for order in due:
            self.model.release(order, OrderStatus.EXPIRED)

    @precondition(lambda self: any(self.model.held(org.id) for org in self.orgs))
    @rule(
        org=MOSTLY_FIRST,
        stranger=SOMETIMES,
        tonnes=FEW_OR_MANY,
        operations=st.booleans(),
        replay=st.booleans(),
    )
    def retire(self, org: int, stranger: bool, tonnes: int, operations: bool, replay: bool) -> None:
        """A buyer retires held tonnes (lowest batch, lowest serials first); another
        organisation's buyer and more than is held are refused, a replay retires once."""
        holder = self.orgs[org].id
        actor = self.buyers[1 - org if stranger else org]
        purpose = {"purpose": "operations", "year": local_today().year - 1} if operations else {}
        args = retire_args(tonnes=tonnes, **purpose)
        if stranger or tonnes > self.model.held(holder):
            with pytest.raises(NotAllowed if stranger else Conflict):
                retirements.retire(actor, holder, **args)
            return
        done = retirements.retire(actor, holder, **args)
        if replay:
            assert retirements.retire(actor, holder, **args).id == done.id
        self.model.retire(holder, tonnes)

    @invariant()
    def registry_verifies(self) -> None:
        report = verify()
        assert report.ok, [str(fault) for fault in report.faults]

    @invariant()
    def the_database_matches_the_model(self) -> None:
        check_blocks(self.model)
        check_batches(self.model)
        check_no_gram_is_made(self.model)
        check_orders_and_retirements(self.model)
        check_splits()


def test_random_registry_sequences_keep_every_invariant(
    db: Any, methodologies: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(orders, "utcnow", clock)
    monkeypatch.setattr(payments, "utcnow", clock)
    RegistryMachine.methodology_ids = tuple(methodologies[code].id for code in CODES)
    RegistryMachine.clock = clock
    run_state_machine_as_test(
        RegistryMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
