"""Guardian consent under parallel clients, on PostgreSQL: a link confirmed twice at once (a
double tap, two tabs) records one consent; a withdrawal racing the minor's redemptions and
donations lets through only what committed before it, with no deadlock, and blocks the rest.
The threads commit, so each test has a database of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.guardians import accept_invitation, withdraw_consent
from portal.accounts.models import GuardianConsent, User
from portal.accounts.queries import may_spend_points
from portal.errors import Conflict, NotAllowed
from portal.extensions import db
from portal.mall.models import Voucher
from portal.mall.rules import new_request_key
from portal.mall.services import redeem
from portal.welfare.models import Donation
from portal.welfare.services import donate
from tests import factories
from tests.conftest import needs_postgresql
from tests.factories.guardians import NOTICE

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

MINORS = 4


def _parallel(app: Flask, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` at once, each in its own app context and session; return each result or
    the domain refusal it raised (anything else fails the test)."""
    start = threading.Barrier(len(calls), timeout=60)

    def run(call: Callable[[], Any]) -> Any:
        with app.app_context():
            try:
                start.wait()
                return call()
            except (Conflict, NotAllowed) as refused:
                return refused
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_a_link_confirmed_twice_at_once_records_one_consent(pg_app_per_test: Flask) -> None:
    app = pg_app_per_test
    with app.app_context():
        minor, guardian = factories.make_minor(), factories.make_adult()
        token, ids = factories.invite(minor, guardian).token, (minor.id, guardian.id)
        db.session.remove()

    def confirming() -> Any:
        return accept_invitation(guardian_id=ids[1], token=token, notice_version=NOTICE)

    results = _parallel(app, [confirming] * 4)
    assert sum(isinstance(r, GuardianConsent) for r in results) == 1
    assert all(isinstance(r, GuardianConsent | Conflict) for r in results)
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(GuardianConsent))
        assert count == 1 and may_spend_points(ids[0])
        db.session.remove()


def test_withdrawal_racing_redemptions_and_donations(
    pg_app_per_test: Flask, tmp_path: Path
) -> None:
    app = pg_app_per_test
    with app.app_context():
        merchant, staff = factories.make_merchant()
        offer_id = factories.make_published_offer(merchant, staff, tmp_path, inventory=100).id
        project_id = factories.make_project(factories.make_user(is_admin=True)).id
        guardian = factories.make_adult()
        pairs = []
        for _ in range(MINORS):
            minor = factories.make_minor()
            factories.make_earn(minor.id, 5_000, f"test:earn:{minor.id}")
            pairs.append((minor.id, factories.make_consent(minor, guardian).id))
        guardian_id = guardian.id
        db.session.remove()

    def withdrawing(consent_id: int) -> Callable[[], Any]:
        return lambda: withdraw_consent(guardian_id=guardian_id, consent_id=consent_id)

    def redeeming(user_id: int) -> Callable[[], Any]:
        def call() -> Any:
            user = db.session.get(User, user_id)
            return redeem(user=user, offer_id=offer_id, request_key=new_request_key())

        return call

    def donating(user_id: int) -> Callable[[], Any]:
        def call() -> Any:
            user = db.session.get(User, user_id)
            return donate(
                donor=user, project_id=project_id, points=100, form_token=factories.form_token()
            )

        return call

    calls = [
        call
        for minor_id, consent_id in pairs
        for call in (
            withdrawing(consent_id),
            redeeming(minor_id),
            donating(minor_id),
            donating(minor_id),
        )
    ]
    results = _parallel(app, calls)
    assert all(r is None or isinstance(r, Voucher | Donation | NotAllowed) for r in results)

    with app.app_context():
        for minor_id, consent_id in pairs:
            assert not may_spend_points(minor_id)
            ended_at = db.session.get(GuardianConsent, consent_id).ended_at
            issued = db.session.scalars(
                select(Voucher.issued_at).where(Voucher.user_id == minor_id)
            ).all()
            given = db.session.scalars(
                select(Donation.created_at).where(Donation.user_id == minor_id)
            ).all()
            assert all(at < ended_at for at in [*issued, *given])
        db.session.remove()
