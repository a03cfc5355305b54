"""The gamification domain's background job, registered into the job table by
``portal.scheduler.table`` (which calls ``register_jobs``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.gamification.services import evaluate_badges
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable

BADGES_JOB = "badges"


def badges(context: JobContext) -> JobDetails:
    """Award the badges earned by people with new activity since the last run (idempotent)."""
    run = evaluate_badges()
    return {"badge_people": run.people, "badges_awarded": run.awarded, "batches": run.batches}


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name=BADGES_JOB,
            func=badges,
            description=_l("Awards badges earned by people with new activity."),
            trigger="interval",
            trigger_args={"minutes": 5},
        )
    )
