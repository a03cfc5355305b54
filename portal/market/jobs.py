"""The registry's jobs, registered into the job table by ``portal.scheduler.table``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.clock import utcnow
from portal.market.orders import expire_orders
from portal.market.pooling import pool_reductions
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable

POOL_JOB = "registry-pool"


def pool_job(context: JobContext) -> JobDetails:
    """Propose draft batches of the saleable reductions of months that are ready."""
    report = pool_reductions(
        now=utcnow(),
        delay_days=int(context.settings["REGISTRY_POOL_DELAY_DAYS"]),
        buffer_bp=int(context.settings["REGISTRY_BUFFER_BP"]),
    )
    return {
        "proposed_batches": report.batches,
        "pooled_contributions": report.contributions,
        "pooled_tonnes": report.tonnes,
    }


def order_expiry_job(context: JobContext) -> JobDetails:
    """Release the tonnes of reserved orders left unpaid past their expiry."""
    return {"expired_orders": expire_orders()}


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name=POOL_JOB,
            func=pool_job,
            description=_l(
                "Proposes registry batches of the saleable reductions of each month that ended "
                "long enough ago, with their audit samples."
            ),
            trigger="cron",
            trigger_args={"hour": 2, "minute": 30},
        )
    )
    table.register(
        Job(
            name="order_expiry",
            func=order_expiry_job,
            description=_l("Releases the tonnes of orders left unpaid past their expiry."),
            trigger="interval",
            trigger_args={"minutes": 5},
        )
    )
