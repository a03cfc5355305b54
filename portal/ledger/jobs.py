"""The ledger's background jobs, registered into the job table by ``portal.scheduler.table``
(which calls ``register_jobs``): sealing the chain every minute, a verified checkpoint and
points expiry daily."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.clock import local_today
from portal.ledger.expiry import expire_points, notify_expiring
from portal.ledger.sealing import seal
from portal.ledger.verification import record_checkpoint
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable


def seal_job(context: JobContext) -> JobDetails:
    """Chain the ledger transactions written since the last run."""
    return {"sealed": seal()}


def checkpoint_job(context: JobContext) -> JobDetails:
    """Verify the ledger from the last checkpoint and record a new one; a verify that finds a
    problem fails the run (the admin jobs page shows it) and records nothing."""
    result = record_checkpoint()
    if not result.report.ok:
        problems = len(result.report.problems) + result.report.problems_omitted
        raise RuntimeError(
            f"ledger verify found {problems} problems, the first: {result.report.problems[0]}"
        )
    return {
        "checkpoint_seq": result.seq,
        "verified": result.report.transactions_checked,
    }


def expiry_job(context: JobContext) -> JobDetails:
    """Expire the points whose time has come (``POINTS_EXPIRY_YEARS``) and, in the last 30 days
    before the next expiry, tell the citizens whose points expire then."""
    years, today = int(context.settings["POINTS_EXPIRY_YEARS"]), local_today()
    return {
        "expired_points": expire_points(today, years),
        "notified": notify_expiring(today, years),
    }


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name="seal",
            func=seal_job,
            description=_l("Chains new ledger transactions into the tamper-evident hash chain."),
            trigger="interval",
            trigger_args={"minutes": 1},
        )
    )
    table.register(
        Job(
            name="ledger_checkpoint",
            func=checkpoint_job,
            description=_l(
                "Verifies the ledger since the last checkpoint and records a new checkpoint."
            ),
            trigger="cron",
            trigger_args={"hour": 3, "minute": 30},
        )
    )
    table.register(
        Job(
            name="points_expiry",
            func=expiry_job,
            description=_l("Expires unused points at the end of their last year, oldest first."),
            trigger="cron",
            trigger_args={"hour": 0, "minute": 10},
        )
    )
