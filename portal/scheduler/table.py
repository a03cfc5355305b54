"""The one job table, filled explicitly: each domain's ``register_jobs`` called here, in order.

Nothing registers itself on import: ``build_job_table`` calls the registrations listed in
``REGISTRATIONS`` and nothing else, so the table is the same whatever was imported first.
``create_app`` calls ``init_app``, which keeps the app's table in ``app.extensions``; the
scheduler, the CLI and the admin jobs page read it with ``get_job_table``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from portal.activities import jobs as activities_jobs
from portal.certificates import jobs as certificates_jobs
from portal.gamification import jobs as gamification_jobs
from portal.ledger import jobs as ledger_jobs
from portal.mall import jobs as mall_jobs
from portal.market import jobs as market_jobs
from portal.reports import jobs as reports_jobs
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable
from portal.teams.pk import jobs as team_challenge_jobs

EXTENSION = "portal.job_table"


HEARTBEAT = "heartbeat"


def heartbeat(context: JobContext) -> JobDetails:
    """Prove the scheduler is alive: the admin pages show when this last ran, and where."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _register_heartbeat(table: JobTable) -> None:
    table.register(
        Job(
            name=HEARTBEAT,
            func=heartbeat,
            description=_l("Records that the scheduler process is alive."),
            trigger="interval",
            trigger_args={"minutes": 1},
        )
    )


# The scheduler's own heartbeat, then each domain's jobs (its jobs.py), in this order.
REGISTRATIONS: tuple[Callable[[JobTable], None], ...] = (
    _register_heartbeat,
    activities_jobs.register_jobs,
    ledger_jobs.register_jobs,
    certificates_jobs.register_jobs,
    mall_jobs.register_jobs,
    team_challenge_jobs.register_jobs,
    gamification_jobs.register_jobs,
    reports_jobs.register_jobs,
    market_jobs.register_jobs,
)


def build_job_table() -> JobTable:
    """A table with every job of every domain."""
    table = JobTable()
    for register_jobs in REGISTRATIONS:
        register_jobs(table)
    return table


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = build_job_table()


def get_job_table(app: Flask | None = None) -> JobTable:
    """The job table of ``app`` (the current app by default)."""
    table = (app if app is not None else current_app).extensions[EXTENSION]
    assert isinstance(table, JobTable)
    return table
