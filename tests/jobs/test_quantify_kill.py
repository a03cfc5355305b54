"""Kill the quantify job for real (SIGKILL, mid-run) and check nothing was credited twice or
lost: what committed is whole batches, and a rerun finishes the rest exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, text

from portal.activities.models import BehaviorRecord, RecordStatus, Reduction
from portal.activities.quantify import quantify_pending
from portal.extensions import db
from portal.ledger.verification import verify
from portal.methodology.services import seed_filed_methodologies
from tests import factories
from tests.conftest import dedicated_database, make_app
from tests.jobs.ledger_checks import assert_credited_once

ROOT = Path(__file__).resolve().parents[2]
RECORDS = 40_000  # eight batches of 5,000: enough to be killed in the middle of the run


@pytest.fixture
def kill_app(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    with dedicated_database("quantify_kill", tmp_path) as url:
        app = make_app(url, SCHEDULER_LOCK_FILE=str(tmp_path / "lock"))
        try:
            yield app, url
        finally:
            with app.app_context():
                db.engine.dispose()


def _fill(app: Flask) -> None:
    with app.app_context():
        seed_filed_methodologies()
        metro = factories.methodology_id("JLCH-TR-008")
        users = [factories.make_user().id for _ in range(200)]
        start = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
        db.session.execute(
            insert(BehaviorRecord),
            [
                factories.record_row(
                    users[n % len(users)], metro, start + timedelta(minutes=n), 9000 + n % 7 * 1000
                )
                for n in range(RECORDS)
            ],
        )
        db.session.commit()


def _consistent(app: Flask) -> tuple[int, int]:
    """Quantified records and reductions match one to one, every reduction's points are in the
    ledger once, and the ledger verifies. Returns the quantified records and quantify postings."""
    with app.app_context():
        quantified = db.session.scalar(
            select(func.count(BehaviorRecord.id)).where(
                BehaviorRecord.status == RecordStatus.QUANTIFIED
            )
        )
        reductions = db.session.scalar(select(func.count(Reduction.id)))
        orphans = db.session.scalar(
            select(func.count(Reduction.id))
            .join(BehaviorRecord, Reduction.record_id == BehaviorRecord.id)
            .where(BehaviorRecord.status != RecordStatus.QUANTIFIED)
        )
        postings = assert_credited_once(db.session)
        report = verify()
        db.session.remove()
    assert quantified == reductions and orphans == 0
    assert report.ok, report.problems
    return quantified, postings


def _committed_reductions(app: Flask, database_url: str) -> int:
    if database_url.startswith("sqlite:///"):
        # A plain read: the app's sessions begin IMMEDIATE, which would queue behind the job's
        # back-to-back batches and only get in once it had finished.
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as conn:
            return int(conn.execute("SELECT count(*) FROM reductions").fetchone()[0])
    with app.app_context():
        done = db.session.scalar(select(func.count(Reduction.id))) or 0
        db.session.remove()
    return done


def _wait_for_the_killed_backend(app: Flask, database_url: str) -> None:
    """On PostgreSQL, wait until the server has noticed the dead client and ended its batch
    (rolled back, or committed if COMMIT had already arrived): until then its records are
    locked, and a rerun would skip them, leaving them for the next run."""
    if database_url.startswith("sqlite"):
        return
    busy = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'"
    )
    deadline = time.monotonic() + 30
    with app.app_context():
        while db.session.scalar(busy) and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.05)
        assert not db.session.scalar(busy), "the killed job's transaction is still open"
        db.session.remove()


def test_sigkill_mid_run_then_rerun(kill_app: tuple[Flask, str]) -> None:
    app, database_url = kill_app
    _fill(app)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "kill-test",
        "PYTHONPATH": str(ROOT),
        "QUANTIFY_WORKERS": "1",  # one process, so the kill reaches every worker
    }
    job = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "quantify"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Kill as soon as at least one batch has committed, while later batches are in flight.
        deadline = time.monotonic() + 60
        done = 0
        while time.monotonic() < deadline and job.poll() is None:
            done = _committed_reductions(app, database_url)
            if done:
                break
            time.sleep(0.05)
        assert job.poll() is None, "the job finished before it could be killed; add records"
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=10)
    finally:
        if job.poll() is None:
            job.kill()
    _wait_for_the_killed_backend(app, database_url)
    quantified, postings = _consistent(app)
    assert 0 < quantified < RECORDS

    with app.app_context():
        report = quantify_pending(points_per_kg=1000)
        db.session.remove()
    assert report.quantified == RECORDS - quantified
    total, postings_after = _consistent(app)
    assert total == RECORDS
    # One ledger posting per committed batch: the killed run's and the rerun's.
    assert postings_after == postings + report.batches
