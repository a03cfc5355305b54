"""Real parallel buyers on PostgreSQL: 50 organisations ordering the last tonnes of one
listing at once, each thread with its own session and connection. The threads commit, so the
test has a database of its own."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import MemberRole, Role, User
from portal.clock import utcnow
from portal.errors import Conflict
from portal.extensions import db
from portal.market import listings, serials
from portal.market.models import Batch, Order, SerialBlock
from portal.market.orders import cancel_order, expire_orders, place_order
from portal.market.payments import BankTransfer
from portal.methodology.services import seed_filed_methodologies
from tests import factories
from tests.conftest import needs_postgresql
from tests.factories.market import make_issued_batch

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

CLIENTS = 50
AVAILABLE = 20


def test_fifty_buyers_ordering_the_last_tonnes(pg_app_per_test: Flask) -> None:
    app = pg_app_per_test
    with app.app_context():
        seed_filed_methodologies()
        admin = factories.make_user_with_role(Role.ADMIN)
        batch = make_issued_batch(issued_tonnes=AVAILABLE, buffer_tonnes=2)
        listing = listings.list_batch(actor=admin, batch_id=batch.id, price=5000)
        buyers = []
        for _ in range(CLIENTS):
            user = factories.make_user()
            factories.make_membership(user, factories.make_org(), MemberRole.STAFF)
            buyers.append((user.id, user.memberships[0].organisation_id))
        db.session.commit()
        listing_id, batch_id = listing.id, batch.id
    start = threading.Barrier(CLIENTS, timeout=60)

    def one(i: int) -> str:
        user_id, org_id = buyers[i]
        with app.app_context():
            try:
                start.wait()
                place_order(
                    actor=db.session.get(User, user_id),
                    listing_id=listing_id,
                    buyer_org_id=org_id,
                    tonnes=1 + i % 3,  # 1, 2 or 3 tonnes
                    form_token=secrets.token_urlsafe(24),
                )
                return "won"
            except Conflict:
                return "refused"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(one, range(CLIENTS)))
    outcomes = Counter(answers)
    refused = [i for i, answer in enumerate(answers) if answer == "refused"]
    assert sum(outcomes.values()) == CLIENTS and set(outcomes) == {"won", "refused"}
    with app.app_context():
        reserved = db.session.scalar(select(func.coalesce(func.sum(Order.tonnes), 0)))
        assert db.session.scalar(select(func.count()).select_from(Order)) == outcomes["won"]
        assert reserved <= AVAILABLE
        # Every refusal was told the truth: fewer tonnes were left than it asked for.
        assert AVAILABLE - reserved < min(1 + i % 3 for i in refused)
        blocks = db.session.execute(
            select(SerialBlock.start_serial, SerialBlock.end_serial, SerialBlock.state).where(
                SerialBlock.batch_id == batch_id
            )
        ).all()
        batch = db.session.get(Batch, batch_id)
        assert batch is not None
        ranges = [(start_serial, end) for start_serial, end, _ in blocks]
        assert serials.tiling_faults(batch.total_tonnes, ranges) == []
        by_state = Counter[str]()
        for start_serial, end, state in blocks:
            by_state[state] += end - start_serial + 1
        assert by_state["reserved"] == reserved
        assert by_state["available"] == AVAILABLE - reserved
        per_order = db.session.execute(
            select(
                SerialBlock.order_id,
                func.sum(SerialBlock.end_serial - SerialBlock.start_serial + 1),
            )
            .where(SerialBlock.order_id.is_not(None))
            .group_by(SerialBlock.order_id)
        ).all()
        tonnes = dict(db.session.execute(select(Order.id, Order.tonnes)).all())
        assert dict(per_order) == tonnes


def test_pay_cancel_and_expiry_at_once_settle_the_order_once(pg_app_per_test: Flask) -> None:
    app = pg_app_per_test
    with app.app_context():
        seed_filed_methodologies()
        admin = factories.make_user_with_role(Role.ADMIN)
        buyer = factories.make_user_with_role(Role.BUYER)
        batch = make_issued_batch(issued_tonnes=5, buffer_tonnes=0)
        listing = listings.list_batch(actor=admin, batch_id=batch.id, price=5000)
        order = place_order(
            actor=buyer,
            listing_id=listing.id,
            buyer_org_id=buyer.memberships[0].organisation_id,
            tonnes=3,
            form_token=secrets.token_urlsafe(24),
        )
        db.session.commit()
        ids = {"admin": admin.id, "buyer": buyer.id, "order": order.id, "batch": batch.id}
    later = utcnow() + timedelta(days=30)  # the job's clock: long past the expiry
    start = threading.Barrier(3, timeout=60)

    def one(move: str) -> str:
        with app.app_context():
            try:
                start.wait()
                if move == "pay":
                    BankTransfer().record_payment(
                        actor=db.session.get(User, ids["admin"]),
                        order_id=ids["order"],
                        reference="RACE-0001",
                    )
                elif move == "cancel":
                    cancel_order(actor=db.session.get(User, ids["buyer"]), order_id=ids["order"])
                elif expire_orders(later) == 0:
                    return "refused"
                return "won"
            except Conflict:
                return "refused"
            finally:
                db.session.remove()

    moves = ("pay", "cancel", "expire")
    with ThreadPoolExecutor(3) as pool:
        answers = dict(zip(moves, pool.map(one, moves), strict=True))
    assert list(answers.values()).count("won") == 1, answers
    with app.app_context():
        settled = db.session.get(Order, ids["order"])
        assert settled is not None
        winner = next(move for move, answer in answers.items() if answer == "won")
        expected = {"pay": "paid", "cancel": "cancelled", "expire": "expired"}[winner]
        assert settled.status == expected
        states = Counter[str]()
        for block in db.session.scalars(
            select(SerialBlock).where(SerialBlock.batch_id == ids["batch"])
        ):
            states[block.state] += block.tonnes
        assert states == (Counter(held=3, available=2) if winner == "pay" else Counter(available=5))
