"""The team challenge job, registered into the job table by ``portal.scheduler.table``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable
from portal.teams.pk.finalisation import finalise_due

TEAM_CHALLENGES_JOB = "team_challenges"


def team_challenges(context: JobContext) -> JobDetails:
    """Finalise the challenges whose review window has passed (idempotent)."""
    run = finalise_due()
    return {
        "challenges_finalised": run.challenges,
        "proposals_expired": run.expired,
        "winners": run.winners,
        "certificates_issued": run.certificates,
    }


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name=TEAM_CHALLENGES_JOB,
            func=team_challenges,
            description=_l(
                "Writes the final standings of team challenges, awards the winners and notifies."
            ),
            trigger="interval",
            trigger_args={"minutes": 15},
        )
    )
