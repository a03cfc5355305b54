"""The registry's jobs, registered into the job table by ``portal.scheduler.table``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.market.orders import expire_orders
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable


def order_expiry_job(context: JobContext) -> JobDetails:
    """Release the tonnes of reserved orders left unpaid past their expiry."""
    return {"expired_orders": expire_orders()}


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name="order_expiry",
            func=order_expiry_job,
            description=_l("Releases the tonnes of orders left unpaid past their expiry."),
            trigger="interval",
            trigger_args={"minutes": 5},
        )
    )
