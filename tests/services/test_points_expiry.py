"""Points expiry (issue 12 item 8): points earned in a year expire at the end of the next
calendar year, oldest first, idempotently."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.db import session, transaction
from portal.ledger import expiry, queries, sealing, services
from portal.ledger.models import AccountKind, LedgerTransaction
from portal.ledger.services import Posting
from portal.ledger.verification import verify
from portal.notifications.models import Notification
from tests.conftest import needs_postgresql
from tests.factories.accounts import make_user

ISSUED_2025 = datetime(2025, 6, 1, 4, tzinfo=UTC)
ISSUED_2026 = datetime(2026, 3, 1, 4, tzinfo=UTC)
SPENT_2026 = datetime(2026, 5, 1, 4, tzinfo=UTC)
SPENT_2027 = datetime(2027, 1, 5, 4, tzinfo=UTC)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = ISSUED_2025
        monkeypatch.setattr(services, "utcnow", lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    yield Clock(monkeypatch)


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> int:
    user = make_user()
    with transaction():
        return services.ensure_user_accounts([user.id])[user.id]


def _post(clock: Clock, at: datetime, key: str, entries: tuple[tuple[int, int], ...]) -> None:
    clock.now = at
    with transaction():
        services.append([Posting(key, "test", entries)])


def _issue(clock: Clock, citizen: int, points: int, at: datetime, key: str) -> None:
    with transaction():
        issuance = services.issuance_account_id()
    _post(clock, at, key, ((issuance, -points), (citizen, points)))


def _spend(clock: Clock, citizen: int, points: int, at: datetime, key: str) -> None:
    with transaction():
        merchant = services.owned_account_id(AccountKind.MERCHANT, 1)
    _post(clock, at, key, ((citizen, -points), (merchant, points)))


def test_the_oldest_points_expire_at_the_end_of_the_next_year(
    db: object, clock: Clock, citizen: int
) -> None:
    _issue(clock, citizen, 100, ISSUED_2025, "a")
    _issue(clock, citizen, 50, ISSUED_2026, "b")
    _spend(clock, citizen, 30, SPENT_2026, "c")  # spends 30 of the 2025 points
    soon = expiry.expiring(citizen, datetime(2026, 12, 2, tzinfo=UTC), years=1)
    assert soon is not None and soon.points == 70 and soon.earned_through == 2025
    assert soon.at == datetime(2026, 12, 31, 16, tzinfo=UTC)  # midnight in Shanghai
    assert expiry.expire_points(date(2026, 12, 31), years=1) == 0  # not yet: 2026 has not ended
    # A spend after the moment does not save the points that expired at it.
    _spend(clock, citizen, 10, SPENT_2027, "d")
    assert expiry.expire_points(date(2027, 1, 6), years=1) == 70
    assert queries.get_balance(citizen_user(db, citizen)) == 150 - 30 - 10 - 70
    assert expiry.expire_points(date(2027, 1, 7), years=1) == 0  # idempotent
    kinds = db.session.scalars(  # type: ignore[attr-defined]
        select(func.count()).where(LedgerTransaction.kind == expiry.EXPIRY_KIND)
    ).one()
    assert kinds == 1
    with transaction():
        expiry_account = services.system_account_id(AccountKind.EXPIRY)
    assert queries.account_balance(expiry_account) == 70
    sealing.seal()
    assert verify().ok


def citizen_user(db: object, account_id: int) -> int:
    from portal.ledger.models import LedgerAccount

    user_id = db.session.scalar(  # type: ignore[attr-defined]
        select(LedgerAccount.user_id).where(LedgerAccount.id == account_id)
    )
    assert user_id is not None
    return int(user_id)


def test_citizens_are_told_thirty_days_before_once(db: Any, clock: Clock, citizen: int) -> None:
    _issue(clock, citizen, 100, ISSUED_2025, "a")
    _issue(clock, citizen, 9, ISSUED_2026, "b")  # expires a year later: not in this notice
    assert expiry.notify_expiring(date(2026, 11, 30), years=1) == 0  # 32 days before
    assert expiry.notify_expiring(date(2026, 12, 2), years=1) == 1
    assert expiry.notify_expiring(date(2026, 12, 3), years=1) == 0  # told once a year
    stored = db.session.execute(select(Notification.kind, Notification.params)).all()
    assert stored == [("points_expiring", {"points": 100, "expires_on": "2026-12-31"})]


def test_nothing_expires_when_it_was_all_spent_or_expiry_is_off(
    db: object, clock: Clock, citizen: int
) -> None:
    _issue(clock, citizen, 40, ISSUED_2025, "a")
    _spend(clock, citizen, 40, SPENT_2026, "b")
    assert expiry.expiring(citizen, datetime(2026, 12, 2, tzinfo=UTC), years=1) is None
    assert expiry.expire_points(date(2027, 1, 2), years=1) == 0
    _issue(clock, citizen, 5, ISSUED_2025, "c")
    assert expiry.expire_points(date(2030, 1, 2), years=0) == 0
    assert expiry.expiring(citizen, datetime(2026, 12, 2, tzinfo=UTC), years=0) is None


def test_two_years_keep_points_a_year_longer(db: object, clock: Clock, citizen: int) -> None:
    _issue(clock, citizen, 100, ISSUED_2025, "a")
    assert expiry.expire_points(date(2027, 1, 2), years=2) == 0
    assert expiry.expire_points(date(2028, 1, 2), years=2) == 100


def test_a_spend_racing_the_job_is_recomputed(
    db: object, clock: Clock, citizen: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch is refused when a citizen spent between the job's read and its write; each
    citizen is then expired alone, from a fresh read."""
    _issue(clock, citizen, 100, ISSUED_2025, "a")
    amounts = expiry._amounts

    def read_then_spend(**kwargs: object) -> dict[int, tuple[int, int]]:
        found = amounts(**kwargs)  # type: ignore[arg-type]
        if kwargs.get("account_ids") is None:
            _spend(clock, citizen, 80, SPENT_2027, "race")
        return found

    monkeypatch.setattr(expiry, "_amounts", read_then_spend)
    assert expiry.expire_points(date(2027, 1, 6), years=1) == 20
    assert queries.get_balance(citizen_user(db, citizen)) == 0


@needs_postgresql("two expiry runs at once, each its own connection")
def test_two_runs_at_once_expire_once(
    pg_app_per_test: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)
    with pg_app_per_test.app_context():
        users = [make_user().id for _ in range(30)]
        session().commit()
        with transaction():
            accounts = services.ensure_user_accounts(users)
            issuance = services.issuance_account_id()
        for n, account in enumerate(accounts.values()):
            _post(clock, ISSUED_2025, f"i:{n}", ((issuance, -(n + 1)), (account, n + 1)))
    results: list[int] = []

    def run() -> None:
        with pg_app_per_test.app_context():
            results.append(expiry.expire_points(date(2027, 1, 2), years=1))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == sum(range(1, 31))
    with pg_app_per_test.app_context():
        assert all(queries.get_balance(user) == 0 for user in users)
        sealing.seal()
        assert verify().ok
