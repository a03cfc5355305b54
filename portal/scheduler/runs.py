"""Running a job once and recording the run; the latest runs for the admin jobs page."""

from __future__ import annotations

import os
import socket

from flask import Flask
from sqlalchemy import func, select

from portal.clock import utcnow
from portal.db import session, transaction
from portal.scheduler.models import JobRun
from portal.scheduler.registry import JobContext
from portal.scheduler.table import get_job_table
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
        detail = job.func(context)
    except Exception as exc:
        session().rollback()
        finish_run(run_id, "error", repr(exc))
        raise
    return finish_run(run_id, "ok", detail)


def start_run(name: str) -> int:
    """Record that the job ``name`` started on this host and process; returns the run's id."""
    with transaction() as db:
        run = JobRun(job_name=name, host=f"{socket.gethostname()}:{os.getpid()}")
        db.add(run)
    return run.id


def finish_run(run_id: int, status: str, detail: str) -> JobRun:
    """Record the end of a run: ``status`` "ok" or "error", ``detail`` (kept to 2,000
    characters) what the job said or how it failed."""
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
