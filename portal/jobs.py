"""The scheduler process and its job table (DESIGN.md §9).

``flask scheduler run`` starts one APScheduler ``BlockingScheduler`` in its own process, after
taking a leader lock (a PostgreSQL advisory lock, or an ``flock`` on a file for SQLite), so a
second copy waits instead of running every job twice. Each job is also runnable once with
``flask jobs run NAME``. A job is a plain function called inside an app context; it must be
idempotent and safe to kill at any point. Every run is recorded in ``job_runs``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, String, Text, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import SHANGHAI, utcnow
from portal.db import Base, BigIntPK, db, session, transaction

log = logging.getLogger(__name__)

# Any constant works as long as nothing else in the database takes the same advisory lock.
ADVISORY_LOCK_KEY = 0x7A6E_4A4C  # "znJL"
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 900}


class JobRun(Base):
    """One execution of a job, by the scheduler or by ``flask jobs run``."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    job_name: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    detail: Mapped[str] = mapped_column(Text, default="")
    host: Mapped[str] = mapped_column(String(255), default="")


# What each JobRun.status says to an administrator.
JOB_STATUS_LABELS = {"running": _l("Running"), "ok": _l("Succeeded"), "error": _l("Failed")}


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], str]
    description: Any  # a lazy translation
    trigger: str  # "interval" or "cron"
    trigger_args: dict[str, Any] = field(default_factory=dict)


def heartbeat() -> str:
    """Prove the scheduler is alive: the admin jobs page shows when this last ran."""
    return f"alive on {socket.gethostname()} pid {os.getpid()}"


JOBS: dict[str, Job] = {}


def register_job(job: Job) -> None:
    """Add a job to the table; later packages call this for their own jobs."""
    JOBS[job.name] = job


register_job(
    Job(
        name="heartbeat",
        func=heartbeat,
        description=_l("Records that the scheduler process is alive."),
        trigger="interval",
        trigger_args={"minutes": 1},
    )
)


def worker_app_context(app: Flask) -> Callable[[], AbstractContextManager[None]]:
    """What a worker process of a job (the quantify pool) enters to reach ``app``'s database: a
    picklable callable that builds a copy of the app there (the same database URL and secret
    key) and pushes its app context, releasing the worker's connections when it leaves."""
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    return partial(
        _app_in_worker, {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": app.config["SECRET_KEY"]}
    )


@contextmanager
def _app_in_worker(config: dict[str, Any]) -> Iterator[None]:
    from portal import create_app

    app = create_app(config)
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


def quantify() -> str:
    """Turn pending behaviour records into reductions and points (every minute)."""
    from portal.activities.quantify import quantify_pending

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return str(
        quantify_pending(
            points_per_kg=int(app.config["POINTS_PER_KG"]),
            workers=int(app.config["QUANTIFY_WORKERS"]),
            worker_context=worker_app_context(app),
        )
    )


register_job(
    Job(
        name="quantify",
        func=quantify,
        description=_l("Quantifies pending behaviour records into reductions and carbon points."),
        trigger="interval",
        trigger_args={"minutes": 1},
    )
)


def run_job(name: str) -> JobRun:
    """Run one job once inside the current app context and record the outcome.

    The job's own writes commit in its services; a failure is recorded (and re-raised) after
    rolling back whatever the failed job left uncommitted.
    """
    job = JOBS[name]
    with transaction() as db:
        run = JobRun(job_name=name, host=f"{socket.gethostname()}:{os.getpid()}")
        db.add(run)
    run_id = run.id
    try:
        detail = job.func()
    except Exception as exc:
        session().rollback()
        with transaction() as db:
            failed = db.get(JobRun, run_id)
            assert failed is not None
            failed.status, failed.detail, failed.finished_at = "error", repr(exc)[:2000], utcnow()
        raise
    with transaction() as db:
        done = db.get(JobRun, run_id)
        assert done is not None
        done.status, done.detail, done.finished_at = "ok", detail[:2000], utcnow()
    return done


def last_runs() -> dict[str, JobRun]:
    """The most recent run of every job that has run at least once."""
    latest = (
        select(JobRun.job_name, func.max(JobRun.id).label("id"))
        .group_by(JobRun.job_name)
        .subquery()
    )
    rows = session().scalars(select(JobRun).join(latest, JobRun.id == latest.c.id))
    return {run.job_name: run for run in rows}


def recent_runs(limit: int = 50) -> list[JobRun]:
    return list(session().scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


class LeaderLock:
    """Exclusive right to run the scheduler: one holder per database.

    PostgreSQL: a session-level advisory lock on a dedicated connection kept open for the life
    of the process (it is released if the process dies). SQLite: ``flock`` on a file beside the
    database (released by the kernel when the process dies).
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._conn: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def _is_postgres(self) -> bool:
        return str(self.app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql")

    def try_acquire(self) -> bool:
        if self._is_postgres:
            with self.app.app_context():
                conn = db.engine.connect()
            got = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
                ).scalar()
            )
            conn.commit()
            if got:
                self._conn = conn
            else:
                conn.close()
            return got
        path = Path(self.app.config["SCHEDULER_LOCK_FILE"])
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{socket.gethostname()} {os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            self._conn.commit()
            self._conn.close()
            self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    @contextmanager
    def hold(
        self, poll_seconds: float = 5.0, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Block until the lock is ours, then hold it for the ``with`` body."""
        waited = False
        while not self.try_acquire():
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(poll_seconds)
        try:
            yield
        finally:
            self.release()


def _job_runner(app: Flask, name: str) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                run_job(name)
            except Exception:
                log.exception("job %s failed", name)

    return run


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A scheduler with every registered job; Asia/Shanghai, coalesced, one instance each."""
    scheduler = BlockingScheduler(timezone=SHANGHAI)
    for job in JOBS.values():
        scheduler.add_job(
            _job_runner(app, job.name),
            job.trigger,
            id=job.name,
            name=job.name,
            **JOB_DEFAULTS,
            **job.trigger_args,
        )
    return scheduler
