"""What a job is and the table jobs are registered into. Imported by every domain's ``jobs.py``,
so it knows nothing of the app: a job is given what it needs as plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class JobContext:
    """What a job is given when it runs.

    ``settings`` is the app's configuration (read-only by convention). ``worker_context`` is
    for a job that starts worker processes: called in a fresh process, it returns a context
    inside which ``portal.db.session()`` reaches the same database (picklable; see
    ``portal.activities.quantify.WorkerContext``).
    """

    settings: Mapping[str, Any]
    worker_context: Callable[[], AbstractContextManager[object]]


# What a run did, as named counts and values (``{"quantified": 3, "batches": 1}``): stored as
# JSON on the run and put into words, in the reader's language, by the admin jobs page.
JobDetails = Mapping[str, int | str]


@dataclass(frozen=True)
class Job:
    """One background job: ``func`` runs it once and returns what it did (``JobDetails``). It
    must be idempotent and safe to kill at any point; its services own their transactions."""

    name: str
    func: Callable[[JobContext], JobDetails]
    description: Any  # a lazy translation
    trigger: str  # "interval" or "cron"
    trigger_args: dict[str, Any] = field(default_factory=dict)


class JobTable(dict[str, Job]):
    """The jobs by name, in registration order."""

    def register(self, job: Job) -> None:
        """Add ``job``; a name is registered once (two jobs of one name would run as one)."""
        if job.name in self:
            raise ValueError(f"a job named {job.name!r} is already registered")
        self[job.name] = job
