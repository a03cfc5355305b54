"""Running a job once and recording the run; the latest runs for the admin jobs page."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from portal.clock import utcnow
from portal.db import session, transaction
from portal.scheduler.models import JobRun
from portal.scheduler.registry import JobContext
from portal.scheduler.table import HEARTBEAT, get_job_table
from portal.scheduler.workers import worker_app_context


def run_job(app: Flask, name: str) -> JobRun:
    """Run the job ``name`` of ``app``'s table once and record the outcome.

    The run is recorded as started before the job runs (so the admin page shows it running)
    and as finished after. The job's own writes commit in its services; a failure is recorded
    (and re-raised) after rolling back whatever the failed job left uncommitted. For the
    scheduler process and ``flask jobs run``, inside an app context of ``app`` (tests may
    run it in none: the session is theirs).
    """
    job = get_job_table(app)[name]
    context = JobContext(settings=app.config, worker_context=worker_app_context(app))
    run_id = start_run(name)
    try:
        details = job.func(context)
    except Exception as exc:
        session().rollback()
        finish_run(run_id, "error", repr(exc))
        raise
    return finish_run(run_id, "ok", json.dumps(dict(details), sort_keys=True))


def start_run(name: str) -> int:
    """Record that the job ``name`` started on this host and process; returns the run's id."""
    with transaction() as db:
        run = JobRun(job_name=name, host=f"{socket.gethostname()}:{os.getpid()}")
        db.add(run)
    return run.id


def finish_run(run_id: int, status: str, detail: str) -> JobRun:
    """Record the end of a run: ``status`` "ok" or "error", ``detail`` (kept to 2,000
    characters) what the job did (its ``JobDetails`` as JSON) or how it failed."""
    with transaction() as db:
        run = db.get(JobRun, run_id)
        assert run is not None
        run.status, run.detail, run.finished_at = status, detail[:2000], utcnow()
    return run


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
    """The latest ``limit`` runs of any job, newest first."""
    return list(session().scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Heartbeat:
    """The scheduler's pulse: when its heartbeat job last finished (None: never), how long ago,
    and whether that is longer than the dashboard tolerates."""

    last_at: datetime | None
    silent_for: timedelta | None
    is_stale: bool

    @property
    def silent_minutes(self) -> int:
        return int(self.silent_for.total_seconds() // 60) if self.silent_for else 0


def get_heartbeat(stale_after: timedelta, now: datetime | None = None) -> Heartbeat:
    """The scheduler's last finished heartbeat; stale when there is none or it is older than
    ``stale_after`` (the heartbeat runs every minute, so a few minutes mean it has stopped)."""
    last_at = session().scalar(
        select(func.max(JobRun.finished_at)).where(
            JobRun.job_name == HEARTBEAT, JobRun.status == "ok"
        )
    )
    if last_at is None:
        return Heartbeat(None, None, is_stale=True)
    silent_for = (now or utcnow()) - last_at
    return Heartbeat(last_at, silent_for, is_stale=silent_for > stale_after)
