"""Account deletion racing the account's own spending and earning, on PostgreSQL: for each of
several citizens, one thread deletes the account while others redeem vouchers, donate and run
the quantify job over the citizen's pending rides, all released at once. Whatever the order,
a deleted account ends with balance 0 and no usable voucher, nothing goes negative, and the
ledger seals and verifies. The threads commit, so the test has a database of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import insert, select

from portal.accounts.models import User
from portal.activities.models import BehaviorRecord, RecordStatus
from portal.activities.quantify import quantify_pending
from portal.errors import Conflict
from portal.extensions import db
from portal.ledger import queries as ledger_queries
from portal.ledger import sealing, verification
from portal.ledger.models import LedgerAccount
from portal.mall.models import Voucher, VoucherStatus
from portal.mall.rules import new_request_key
from portal.mall.services import redeem
from portal.methodology.services import seed_filed_methodologies
from portal.privacy.services import delete_account
from portal.welfare.services import donate
from tests import factories
from tests.conftest import needs_postgresql
from tests.factories.accounts import PASSWORD
from tests.factories.activities import CYCLING, record_row

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

CITIZENS = 6
BALANCE = 1_500
DAY = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _seed(app: Flask, upload_dir: Path) -> tuple[list[int], int, int]:
    with app.app_context():
        seed_filed_methodologies()
        merchant, staff = factories.make_merchant()
        offer = factories.make_published_offer(merchant, staff, upload_dir, inventory=100)
        project = factories.make_project(factories.make_user(is_admin=True))
        citizens = [factories.make_citizen_with_points(BALANCE).id for _ in range(CITIZENS)]
        cycling = factories.methodology_id(CYCLING)
        db.session.execute(
            insert(BehaviorRecord),
            [record_row(c, cycling, DAY + timedelta(hours=h)) for c in citizens for h in range(3)],
        )
        db.session.commit()
        ids = citizens, offer.id, project.id
        db.session.remove()
        return ids


def test_deletion_racing_redemptions_donations_and_credits(
    pg_app_per_test: Flask, tmp_path: Path
) -> None:
    app = pg_app_per_test
    citizens, offer_id, project_id = _seed(app, tmp_path)

    def deleting(user_id: int) -> Any:
        return delete_account(user_id=user_id, password=PASSWORD)

    def redeeming(user_id: int) -> Any:
        user = db.session.get(User, user_id)
        return redeem(user=user, offer_id=offer_id, request_key=new_request_key())

    def donating(user_id: int) -> Any:
        user = db.session.get(User, user_id)
        return donate(
            donor=user, project_id=project_id, points=300, form_token=factories.form_token()
        )

    calls: list[tuple[Callable[[int], Any], int]] = [
        (call, user_id)
        for user_id in citizens
        for call in (deleting, redeeming, redeeming, donating, donating)
    ]
    calls.append((lambda _: quantify_pending(points_per_kg=1000), 0))
    start = threading.Barrier(len(calls), timeout=60)

    def run(job: tuple[Callable[[int], Any], int]) -> Any:
        call, user_id = job
        with app.app_context():
            try:
                start.wait()
                return call(user_id)
            except Conflict as refused:  # too few points left, after the deletion
                return refused
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(calls)) as pool:
        results = list(pool.map(run, calls))
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)]

    with app.app_context():
        for user_id in citizens:
            user = db.session.get(User, user_id)
            assert user is not None and user.deleted_at is not None and user.phone is None
            assert ledger_queries.get_balance(user_id) == 0
            open_vouchers = db.session.scalars(
                select(Voucher).where(
                    Voucher.user_id == user_id, Voucher.status == VoucherStatus.UNUSED.value
                )
            ).all()
            assert open_vouchers == []
            waiting = db.session.scalars(
                select(BehaviorRecord.status).where(BehaviorRecord.user_id == user_id)
            ).all()
            assert RecordStatus.PENDING.value not in waiting
        assert (
            db.session.scalar(
                select(LedgerAccount.id)
                .where(LedgerAccount.balance < 0)
                .where(LedgerAccount.kind == "user_points")
            )
            is None
        )
        db.session.remove()
        sealing.seal()
        assert verification.verify(full=True).ok
