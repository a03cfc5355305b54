"""The mall's job, registered into the job table by ``portal.scheduler.table``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.mall.services import expire_vouchers
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable


def voucher_expiry_job(context: JobContext) -> JobDetails:
    """Expire the unused vouchers whose validity window has ended."""
    return {"expired_vouchers": expire_vouchers()}


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name="voucher_expiry",
            func=voucher_expiry_job,
            description=_l("Expires unused vouchers whose validity window has ended."),
            trigger="interval",
            trigger_args={"minutes": 10},
        )
    )
