"""The certificates domain's background job, registered into the job table by
``portal.scheduler.table`` (which calls ``register_jobs``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.certificates.services import issue_milestone_certificates
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable

MILESTONES_JOB = "certificates_milestones"


def milestones(context: JobContext) -> JobDetails:
    """Issue the carbon milestone certificates reached since the last run (idempotent)."""
    return {"issued": issue_milestone_certificates()}


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name=MILESTONES_JOB,
            func=milestones,
            description=_l("Issues carbon milestone certificates (10 kg, 100 kg, 1 t reduced)."),
            trigger="interval",
            trigger_args={"minutes": 10},
        )
    )
