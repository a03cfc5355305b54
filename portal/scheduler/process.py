"""The scheduler process: APScheduler running every job of the table, each in an app context.

``flask scheduler run`` builds it after taking the leader lock; each job runs through
``runs.run_job``, so every run is recorded and a failing job is logged, not fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from portal.clock import SHANGHAI
from portal.scheduler.runs import run_job
from portal.scheduler.table import get_job_table

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 900}


def _job_runner(app: Flask, name: str) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                run_job(app, name)
            except Exception:
                log.exception("job %s failed", name)

    return run


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A scheduler with every registered job; Asia/Shanghai, coalesced, one instance each."""
    scheduler = BlockingScheduler(timezone=SHANGHAI)
    for job in get_job_table(app).values():
        scheduler.add_job(
            _job_runner(app, job.name),
            job.trigger,
            id=job.name,
            name=job.name,
            **JOB_DEFAULTS,
            **job.trigger_args,
        )
    return scheduler
