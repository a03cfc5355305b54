"""Random sequences of what moves points — earn (a ride quantified by the job), redeem, cancel,
check, donate, expire, delete the account — keep the ledger's invariants, and ``ledger verify``
passes after each step.

A model beside the database says what each citizen's balance, each voucher's status, the
offer's stock and the project's total must be; hypothesis draws the steps (valid ones and
refused ones: too few points, a used voucher cancelled, a donation of nothing) and after every
step the invariants compare the two and run ``verify``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, insert, select

from portal.accounts.models import Role
from portal.activities.models import BehaviorRecord, Reduction
from portal.activities.quantify import quantify_pending
from portal.clock import utcnow
from portal.db import session
from portal.errors import Conflict, InvalidInput
from portal.ledger import queries as ledger_queries
from portal.ledger.expiry import expire_points
from portal.ledger.models import LedgerAccount
from portal.ledger.verification import verify
from portal.mall.models import Voucher, VoucherStatus
from portal.mall.rules import new_request_key
from portal.mall.services import cancel, check, redeem
from portal.merchants.models import Offer
from portal.privacy.services import delete_account
from portal.welfare.models import Donation
from portal.welfare.services import donate
from tests import factories
from tests.factories.accounts import PASSWORD
from tests.factories.activities import record_row
from tests.factories.methodology import methodology_id
from tests.factories.welfare import form_token

CITIZENS = 2
COST = 40  # points per voucher: a few rides buy one
STOCK = 3
BUS = "JLCH-TR-007"


@dataclass
class Held:
    """The model's view of one voucher."""

    user: int
    code: str
    status: VoucherStatus


class PointsMachine(RuleBasedStateMachine):
    """Two citizens, one merchant's offer (small stock, per-person limit 2) and one open
    welfare project; ``upload_dir`` and ``operator`` come from the test."""

    upload_dir: Path
    operator: Any

    def __init__(self) -> None:
        super().__init__()
        self.users = [factories.make_user() for _ in range(CITIZENS)]
        self.merchant, self.staff = factories.make_merchant()
        self.offer = factories.make_published_offer(
            self.merchant, self.staff, self.upload_dir, points_cost=COST, inventory=STOCK
        )
        self.project = factories.make_project(self.operator)
        self.balance = {user.id: 0 for user in self.users}
        self.vouchers: dict[int, Held] = {}
        self.donated = 0
        self.deleted: set[int] = set()
        self.people = {user.id: user for user in self.users}
        self.rides = 0
        self.expiry_year = 2100  # each expiry step runs on a later year's first day

    def _user(self, index: int) -> Any:
        return self.users[index % CITIZENS]

    @rule(who=st.integers(0, CITIZENS - 1), km=st.integers(1, 12))
    def earn(self, who: int, km: int) -> None:
        """A bus ride (one per day, so no daily cap bites) quantified by the job."""
        user = self._user(who)
        self.rides += 1
        at = utcnow() - timedelta(days=self.rides)
        row = record_row(user.id, methodology_id(BUS), at, km * 1000)
        record_id = session().scalar(insert(BehaviorRecord).returning(BehaviorRecord.id), [row])
        session().commit()
        quantify_pending(points_per_kg=1000)
        points = session().scalar(select(Reduction.points).where(Reduction.record_id == record_id))
        assert points is not None and points > 0
        self.balance[user.id] += points

    def _in_use(self, user_id: int) -> int:
        return sum(
            1
            for held in self.vouchers.values()
            if held.user == user_id and held.status != VoucherStatus.CANCELLED
        )

    def _stock(self) -> int:
        taken = sum(1 for h in self.vouchers.values() if h.status != VoucherStatus.CANCELLED)
        return STOCK - taken

    @rule(who=st.integers(0, CITIZENS - 1), replay=st.booleans())
    def redeem(self, who: int, replay: bool) -> None:
        user = self._user(who)
        may = self.balance[user.id] >= COST and self._stock() > 0 and self._in_use(user.id) < 2
        key = new_request_key()
        if not may:
            with pytest.raises(Conflict):
                redeem(user=user, offer_id=self.offer.id, request_key=key)
            return
        voucher = redeem(user=user, offer_id=self.offer.id, request_key=key)
        if replay:  # the same confirmation posted again: the same voucher, nothing debited
            assert redeem(user=user, offer_id=self.offer.id, request_key=key).id == voucher.id
        self.vouchers[voucher.id] = Held(user.id, voucher.code, VoucherStatus.UNUSED)
        self.balance[user.id] -= COST

    @rule(pick=st.integers(0, 10_000))
    def cancel(self, pick: int) -> None:
        if not self.vouchers:
            return
        voucher_id = sorted(self.vouchers)[pick % len(self.vouchers)]
        held = self.vouchers[voucher_id]
        owner = self.people[held.user]
        if held.status != VoucherStatus.UNUSED:
            with pytest.raises(Conflict):
                cancel(user=owner, voucher_id=voucher_id)
            return
        cancel(user=owner, voucher_id=voucher_id)
        held.status = VoucherStatus.CANCELLED
        self.balance[held.user] += COST

    @rule(pick=st.integers(0, 10_000))
    def check(self, pick: int) -> None:
        if not self.vouchers:
            return
        voucher_id = sorted(self.vouchers)[pick % len(self.vouchers)]
        held = self.vouchers[voucher_id]
        if held.status != VoucherStatus.UNUSED:
            with pytest.raises(Conflict):
                check(actor=self.staff, merchant_id=self.merchant.id, code=held.code)
            return
        check(actor=self.staff, merchant_id=self.merchant.id, code=held.code)
        held.status = VoucherStatus.USED

    @rule(who=st.integers(0, CITIZENS - 1), points=st.integers(-3, 120))
    def donate(self, who: int, points: int) -> None:
        user = self._user(who)
        too_many = points > self.balance[user.id]
        refused = InvalidInput if points < 1 else Conflict if too_many else None
        give = {"donor": user, "project_id": self.project.id, "points": points}
        if refused is not None:
            with pytest.raises(refused):
                donate(**give, form_token=form_token())
            return
        donate(**give, form_token=form_token())
        self.balance[user.id] -= points
        self.donated += points

    @rule()
    def expire(self) -> None:
        """Years later every point earned so far has expired (a rerun posts nothing more)."""
        self.expiry_year += 1
        expire_points(date(self.expiry_year, 1, 1), years=1)
        assert expire_points(date(self.expiry_year, 1, 1), years=1) == 0
        self.balance = dict.fromkeys(self.balance, 0)

    @rule(who=st.integers(0, CITIZENS - 1), wrong=st.booleans())
    def delete(self, who: int, wrong: bool) -> None:
        """A wrong password changes nothing; the right one cancels the unused vouchers (stock
        back), forfeits the balance, and a newcomer takes the place in the machine."""
        user = self._user(who)
        if wrong:
            with pytest.raises(InvalidInput):
                delete_account(user_id=user.id, password=PASSWORD + "x")
            return
        delete_account(user_id=user.id, password=PASSWORD)
        for held in self.vouchers.values():
            if held.user == user.id and held.status == VoucherStatus.UNUSED:
                held.status = VoucherStatus.CANCELLED
        self.deleted.add(user.id)
        del self.balance[user.id]
        newcomer = factories.make_user()
        self.users[who % CITIZENS] = newcomer
        self.balance[newcomer.id] = 0
        self.people[newcomer.id] = newcomer

    @invariant()
    def balances_match_the_model(self) -> None:
        for user in self.users:
            assert ledger_queries.get_balance(user.id) == self.balance[user.id]
        for user_id in self.deleted:  # deleted accounts keep nothing
            assert ledger_queries.get_balance(user_id) == 0

    @invariant()
    def no_balance_is_negative(self) -> None:
        lowest = session().scalar(
            select(func.min(LedgerAccount.balance)).where(LedgerAccount.user_id.is_not(None))
        )
        assert lowest is None or lowest >= 0

    @invariant()
    def vouchers_and_stock_match_the_model(self) -> None:
        rows = session().execute(
            select(Voucher.id, Voucher.status).where(Voucher.offer_id == self.offer.id)
        )
        found = {voucher_id: status for voucher_id, status in rows}
        assert found == {vid: held.status.value for vid, held in self.vouchers.items()}
        offer = session().get(Offer, self.offer.id, populate_existing=True)
        assert offer is not None and offer.inventory == self._stock()

    @invariant()
    def donations_match_the_model(self) -> None:
        given = session().scalar(
            select(func.coalesce(func.sum(Donation.points), 0)).where(
                Donation.project_id == self.project.id
            )
        )
        assert given == self.donated

    @invariant()
    def ledger_verifies(self) -> None:
        report = verify()
        assert report.ok, report.problems


def test_random_sequences_keep_the_ledger_invariants(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    PointsMachine.upload_dir = tmp_path
    PointsMachine.operator = factories.make_user_with_role(Role.ADMIN)
    run_state_machine_as_test(
        PointsMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
