"""Many citizens donating at once, on PostgreSQL: 20 threads, each with its own connection,
give from accounts whose balances cover only some of their donations. No balance goes below
zero, the project's account holds exactly the sum of the donations, a replayed token donates
once, and the ledger seals and verifies afterwards. The threads commit, so the test runs in a
database of its own."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.certificates.models import Certificate
from portal.errors import Conflict
from portal.extensions import db
from portal.ledger import queries as ledger_queries
from portal.ledger import sealing, verification
from portal.ledger.models import AccountKind
from portal.ledger.services import owned_account_id
from portal.welfare import services
from portal.welfare.models import Donation
from tests import factories
from tests.conftest import needs_postgresql

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

THREADS = 20
DONORS = 10
BALANCE = 100
POINTS = 40  # each donor can afford two of the six donations its two threads try
ATTEMPTS = 3


def test_parallel_donations_keep_balances_and_the_project_total(pg_app_per_test: Flask) -> None:
    app = pg_app_per_test
    with app.app_context():
        operator = factories.make_user(is_admin=True)
        project_id = factories.make_project(operator).id
        donors = [factories.make_user().id for _ in range(DONORS)]
        for donor in donors:
            factories.give_points(donor, BALANCE)
        db.session.commit()
        db.session.remove()
    replayed = factories.form_token()  # threads 0 and DONORS (one donor) both send this one

    def run(thread: int) -> list[Any]:
        outcomes: list[Any] = []
        with app.app_context():
            donor = db.session.get(User, donors[thread % DONORS])
            for attempt in range(ATTEMPTS):
                replay = attempt == 0 and thread % DONORS == 0
                token = replayed if replay else factories.form_token()
                try:
                    donation = services.donate(
                        donor=donor, project_id=project_id, points=POINTS, form_token=token
                    )
                    outcomes.append(donation.id)
                except Conflict as refused:
                    db.session.rollback()
                    outcomes.append(refused)
            db.session.remove()
        return outcomes

    with ThreadPoolExecutor(THREADS) as pool:
        results = [o for outcomes in pool.map(run, range(THREADS)) for o in outcomes]

    with app.app_context():
        donations = db.session.scalars(select(Donation)).all()
        refused = [r for r in results if isinstance(r, Conflict)]
        with force_locale("en"):
            assert {str(r.message) for r in refused} == {
                f"Not enough points: the balance is {BALANCE - 2 * POINTS} points but {POINTS} "
                "are needed."
            }
        # Threads 0 and DONORS replay one token of donor 0: both get the same donation.
        assert len(donations) == len({r for r in results if isinstance(r, int)})
        for donor in donors:
            balance = ledger_queries.get_balance(donor)
            given = sum(d.points for d in donations if d.user_id == donor)
            assert balance >= 0 and balance == BALANCE - given
            assert given == 2 * POINTS  # two fit in 100 points, and every slot was tried
        account = owned_account_id(AccountKind.PROJECT, project_id)
        assert ledger_queries.account_balance(account) == sum(d.points for d in donations)
        assert db.session.scalar(select(func.count(Certificate.id))) == len(donations)
        db.session.remove()
        sealing.seal()
        assert verification.verify(full=True).ok
        db.session.rollback()
        assert ledger_queries.account_balance(account) == sum(d.points for d in donations)
