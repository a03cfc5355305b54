"""The activities domain's background jobs, registered into the job table by
``portal.scheduler.table`` (which calls ``register_jobs``)."""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import lazy_gettext as _l

from portal.activities.quantify import quantify_pending
from portal.scheduler.registry import Job, JobContext, JobDetails, JobTable


def quantify(context: JobContext) -> JobDetails:
    """Turn pending behaviour records into reductions and points (every minute), with the
    ``POINTS_PER_KG`` and ``QUANTIFY_WORKERS`` settings; reports the ``QuantifyReport``'s
    counts."""
    settings = context.settings
    return asdict(
        quantify_pending(
            points_per_kg=int(settings["POINTS_PER_KG"]),
            workers=int(settings["QUANTIFY_WORKERS"]),
            worker_context=context.worker_context,
        )
    )


def register_jobs(table: JobTable) -> None:
    table.register(
        Job(
            name="quantify",
            func=quantify,
            description=_l(
                "Quantifies pending behaviour records into reductions and carbon points."
            ),
            trigger="interval",
            trigger_args={"minutes": 1},
        )
    )
