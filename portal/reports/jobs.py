"""The reports domain's background job, registered into the job table by
``portal.scheduler.table`` (which calls ``register_jobs``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.clock import local_today
from portal.reports.monthly import post_monthly_reports, previous_month
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable

MONTHLY_REPORTS_JOB = "monthly_reports"


def monthly_reports(context: JobContext) -> JobDetails:
    """Post the report of the last whole Asia/Shanghai month (idempotent: a second run, or one
    after a killed run, posts only what is missing)."""
    month = previous_month(local_today().replace(day=1))
    run = post_monthly_reports(month)
    return {
        "month": f"{month:%Y-%m}",
        "report_people": run.people,
        "reports_posted": run.posted,
        "batches": run.batches,
    }


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name=MONTHLY_REPORTS_JOB,
            func=monthly_reports,
            description=_l("Posts each active citizen's report of the month that just ended."),
            trigger="cron",
            # The scheduler runs in Asia/Shanghai: just after midnight on the 1st.
            trigger_args={"day": 1, "hour": 0, "minute": 40},
        )
    )
