"""Real parallel clients against the ledger on PostgreSQL (DESIGN.md §6 concurrency).

These tests commit, so they do not use the rolled-back ``db`` fixture: each thread pushes its
own app context and so gets its own Flask-SQLAlchemy session and pooled connection. The
``sandbox`` fixture records the ledger's committed state first and puts it back afterwards.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import Conflict
from portal.extensions import db as _db
from portal.ledger import queries, sealing, services, verification
from portal.ledger.models import (
    AccountKind,
    LedgerAccount,
    LedgerChainHead,
    LedgerEntry,
    LedgerTransaction,
)
from portal.ledger.services import Posting

THREADS = 8


@dataclass
class Sandbox:
    app: Flask
    engine: Engine
    user_id: int
    run: str  # makes idempotency keys unique to this test run


def _engine(app: Flask) -> Engine:
    with app.app_context():
        return _db.engine


@pytest.fixture
def sandbox(app: Flask) -> Iterator[Sandbox]:
    engine = _engine(app)
    if engine.dialect.name != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set TEST_DATABASE_URL): SQLite's BEGIN IMMEDIATE lets only one "
            "writer in at a time, so there is no parallel race to show"
        )
    with Session(engine) as s, s.begin():
        head = s.execute(
            select(
                LedgerChainHead.last_transaction_id,
                LedgerChainHead.last_seq,
                LedgerChainHead.last_hash,
            )
        ).one()
        max_tx = s.scalar(select(func.max(LedgerTransaction.id))) or 0
        max_account = s.scalar(select(func.max(LedgerAccount.id))) or 0
        issuance_before = dict(
            s.execute(
                select(LedgerAccount.id, LedgerAccount.balance).where(
                    LedgerAccount.kind == AccountKind.ISSUANCE.value
                )
            ).all()
        )
        user = User(
            phone=f"13{uuid.uuid4().int % 10**9:09d}",
            password_hash="x",
            display_name="并发测试",
            city_code="220100",
            privacy_notice_version="2026-11",
            consented_at=utcnow(),
        )
        s.add(user)
        s.flush()
        user_id = user.id
    try:
        yield Sandbox(app, engine, user_id, uuid.uuid4().hex[:12])
    finally:
        # Undo exactly what the test committed, children first, and rewind the chain head.
        with Session(engine) as s, s.begin():
            s.execute(delete(LedgerEntry).where(LedgerEntry.transaction_id > max_tx))
            s.execute(delete(LedgerTransaction).where(LedgerTransaction.id > max_tx))
            s.execute(
                update(LedgerTransaction)
                .where(LedgerTransaction.seq > head.last_seq)
                .values(seq=None, prev_hash=None, hash=None)
            )
            s.execute(delete(LedgerAccount).where(LedgerAccount.id > max_account))
            for account_id, balance in issuance_before.items():
                s.execute(
                    update(LedgerAccount)
                    .where(LedgerAccount.id == account_id)
                    .values(balance=balance)
                )
            s.execute(
                update(LedgerChainHead).values(
                    last_transaction_id=head.last_transaction_id,
                    last_seq=head.last_seq,
                    last_hash=head.last_hash,
                )
            )
            s.execute(delete(User).where(User.id == user_id))


def _in_parallel(app: Flask, attempts: int, attempt: Callable[[int, int], Any]) -> Counter[str]:
    """Run ``attempt(thread, i)`` ``attempts`` times in each of THREADS threads, started together;
    count "posted" (returned an id), "skipped" (None), "refused" (Conflict), "integrity"."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(THREADS, timeout=60)

    def worker(thread: int) -> None:
        with app.app_context():  # its own session and connection
            start.wait()
            for i in range(attempts):
                try:
                    outcome = "skipped" if attempt(thread, i) is None else "posted"
                except Conflict:
                    outcome = "refused"
                except IntegrityError:
                    outcome = "integrity"
                with lock:
                    outcomes[outcome] += 1

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(worker, t) for t in range(THREADS)]:
            future.result()  # re-raise anything unexpected
    return outcomes


def _setup_accounts(sandbox: Sandbox, opening_points: int = 0) -> tuple[int, int]:
    with sandbox.app.app_context():
        with transaction():
            account = services.ensure_user_accounts([sandbox.user_id])[sandbox.user_id]
            issuance = services.issuance_account_id()
        if opening_points:
            _post(
                Posting(
                    f"conc:{sandbox.run}:opening",
                    "test.issue",
                    ((issuance, -opening_points), (account, opening_points)),
                    {},
                )
            )
    return account, issuance


def _post(posting: Posting) -> int | None:
    """Append one posting in a transaction of its own, as a domain's command does."""
    with transaction():
        return services.append([posting])[0]


def _balance(sandbox: Sandbox) -> int:
    with sandbox.app.app_context():
        return queries.get_balance(sandbox.user_id)


def _verify(sandbox: Sandbox) -> verification.VerifyReport:
    with sandbox.app.app_context():
        return verification.verify()


def test_same_key_from_every_thread_posts_once(sandbox: Sandbox) -> None:
    account, issuance = _setup_accounts(sandbox)
    key = f"conc:{sandbox.run}:same"

    def attempt(thread: int, i: int) -> int | None:
        return _post(Posting(key, "test.issue", ((issuance, -7), (account, 7)), {}))

    outcomes = _in_parallel(sandbox.app, 50, attempt)
    assert outcomes == Counter(posted=1, skipped=THREADS * 50 - 1)
    assert _balance(sandbox) == 7
    with Session(sandbox.engine) as s:
        assert s.scalar(select(func.count()).where(LedgerTransaction.idempotency_key == key)) == 1
    assert _verify(sandbox).ok


def test_parallel_debits_never_overdraw(sandbox: Sandbox) -> None:
    account, issuance = _setup_accounts(sandbox, opening_points=1_000)
    lowest = [1_000]
    done = threading.Event()

    def watch() -> None:  # samples committed balances while the debits race
        with sandbox.engine.connect() as conn:
            while not done.is_set():
                balance = conn.scalar(
                    select(LedgerAccount.balance).where(LedgerAccount.id == account)
                )
                conn.rollback()
                lowest[0] = min(lowest[0], int(balance or 0))
                time.sleep(0.002)  # leave the CPU to the debits

    def attempt(thread: int, i: int) -> int | None:
        spend = Posting(
            f"conc:{sandbox.run}:debit:{thread}:{i}",
            "test.spend",
            ((account, -10), (issuance, 10)),
            {"thread": thread, "i": i},
        )
        return _post(spend)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outcomes = _in_parallel(sandbox.app, 25, attempt)
    finally:
        done.set()
        watcher.join()
    assert outcomes == Counter(posted=100, refused=THREADS * 25 - 100)
    assert _balance(sandbox) == 0
    assert lowest[0] >= 0
    report = _verify(sandbox)
    assert report.ok, report.problems


def test_writers_to_one_merchant_run_beside_the_sealer(sandbox: Sandbox) -> None:
    """Redemptions to one merchant from parallel clients while the sealing job runs: none
    waits on a shared row, every point lands once, and the chain and balances check out."""
    account, _ = _setup_accounts(sandbox, opening_points=10_000)
    with sandbox.app.app_context(), transaction():
        merchant = services.owned_account_id(AccountKind.MERCHANT, sandbox.user_id)
    done = threading.Event()
    rounds = [0]

    def seal_meanwhile() -> None:
        with sandbox.app.app_context():
            while not done.is_set():
                rounds[0] += sealing.seal(chunk=7)

    def attempt(thread: int, i: int) -> int | None:
        return _post(
            Posting(
                f"conc:{sandbox.run}:redeem:{thread}:{i}",
                "redemption",
                ((account, -3), (merchant, 3)),
            )
        )

    sealer = threading.Thread(target=seal_meanwhile)
    sealer.start()
    try:
        outcomes = _in_parallel(sandbox.app, 20, attempt)
    finally:
        done.set()
        sealer.join()
    assert outcomes == Counter(posted=THREADS * 20)
    with sandbox.app.app_context():
        assert queries.account_balance(merchant) == 3 * THREADS * 20  # sealed or not
        sealing.seal()
        assert queries.account_balance(merchant) == 3 * THREADS * 20
        assert queries.account_balance(account) == 10_000 - 3 * THREADS * 20
    report = _verify(sandbox)
    assert report.ok, report.problems
    assert report.unsealed_checked == 0 and rounds[0] > 0


def test_racing_account_creation_makes_one_account(sandbox: Sandbox) -> None:
    def attempt(thread: int, i: int) -> tuple[int, int]:
        with transaction():
            mine = services.ensure_user_accounts([sandbox.user_id])[sandbox.user_id]
            return mine, services.issuance_account_id()

    seen: set[tuple[int, int]] = set()

    def record(thread: int, i: int) -> tuple[int, int]:
        result = attempt(thread, i)
        seen.add(result)
        return result

    outcomes = _in_parallel(sandbox.app, 5, record)
    assert outcomes == Counter(posted=THREADS * 5)
    assert len(seen) == 1
    with Session(sandbox.engine) as s:
        kinds = s.scalars(
            select(LedgerAccount.kind).where(
                (LedgerAccount.user_id == sandbox.user_id) | LedgerAccount.user_id.is_(None)
            )
        ).all()
    assert sorted(kinds) == [AccountKind.ISSUANCE.value, AccountKind.USER_POINTS.value]
