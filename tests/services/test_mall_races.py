"""Real parallel clients on PostgreSQL: 50 citizens redeeming the last 10 units, and two staff
checking one voucher at once. The threads commit, so each test has a database of its own and
each thread its own app context (session and pooled connection)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import Organisation, User
from portal.errors import Conflict
from portal.extensions import db
from portal.ledger import queries as ledger_queries
from portal.ledger import sealing, verification
from portal.mall.models import Voucher
from portal.mall.rules import new_request_key
from portal.mall.services import check, redeem
from portal.merchants.models import Offer
from tests import factories
from tests.conftest import needs_postgresql

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

CLIENTS = 50


def _together(app: Flask, clients: int, attempt: Callable[[int], Any]) -> Counter[str]:
    """Run ``attempt(i)`` in ``clients`` threads released at once; count wins and refusals."""
    start = threading.Barrier(clients, timeout=60)

    def one(i: int) -> str:
        with app.app_context():
            try:
                start.wait()
                attempt(i)
                return "won"
            except Conflict:
                return "refused"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(clients) as pool:
        return Counter(pool.map(one, range(clients)))


def test_fifty_clients_redeeming_the_last_ten_units(pg_app_per_test: Flask, tmp_path: Path) -> None:
    app = pg_app_per_test
    with app.app_context():
        merchant, staff = factories.make_merchant()
        offer = factories.make_published_offer(merchant, staff, tmp_path, inventory=10)
        citizens = [factories.make_citizen_with_points(800).id for _ in range(CLIENTS)]
        db.session.commit()
        offer_id = offer.id

    def attempt(i: int) -> None:
        user = db.session.get(User, citizens[i])
        redeem(user=user, offer_id=offer_id, request_key=new_request_key())

    outcomes = _together(app, CLIENTS, attempt)
    assert outcomes == Counter(won=10, refused=40)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Voucher)) == 10
        assert db.session.get(Offer, offer_id).inventory == 0  # type: ignore[union-attr]
        holders = set(db.session.scalars(select(Voucher.user_id)))
        balances = {uid: ledger_queries.get_balance(uid) for uid in citizens}
        assert all(balances[uid] == (300 if uid in holders else 800) for uid in citizens)
        sealing.seal()
        assert verification.verify().ok


def test_two_staff_checking_one_voucher_at_once_check_it_once(
    pg_app_per_test: Flask, tmp_path: Path
) -> None:
    app = pg_app_per_test
    with app.app_context():
        merchant, first = factories.make_merchant()
        second = factories.make_user()
        org = db.session.get(Organisation, merchant.organisation_id)
        assert org is not None
        factories.make_membership(second, org)
        offer = factories.make_published_offer(merchant, first, tmp_path)
        voucher = factories.make_voucher(factories.make_citizen_with_points(600), offer)
        db.session.commit()
        staff, merchant_id, code = [first.id, second.id], merchant.id, voucher.code

    def attempt(i: int) -> None:
        check(actor=db.session.get(User, staff[i]), merchant_id=merchant_id, code=code)

    assert _together(app, 2, attempt) == Counter(won=1, refused=1)
    with app.app_context():
        used = db.session.scalar(select(Voucher).where(Voucher.code == code))
        assert used is not None and used.status == "used" and used.checked_by_id in staff
