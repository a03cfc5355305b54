"""The 以碳代偿 cases' job, registered into the job table by ``portal.scheduler.table``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.market.cases.services import mark_overdue
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable

OVERDUE_JOB = "registry-cases-overdue"


def cases_overdue_job(context: JobContext) -> JobDetails:
    """Mark open cases past their deadline overdue."""
    return {"overdue_cases": mark_overdue()}


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name=OVERDUE_JOB,
            func=cases_overdue_job,
            description=_l(
                "Marks carbon compensation cases overdue when their deadline passes uncovered."
            ),
            trigger="cron",
            trigger_args={"hour": 0, "minute": 20},
        )
    )
