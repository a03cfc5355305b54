"""The record of job runs (table ``job_runs``): one row per execution of a job."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class JobRun(Base):
    """One execution of a job, by the scheduler or by ``flask jobs run``."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    job_name: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")
    detail: Mapped[str] = mapped_column(Text, default="")
    host: Mapped[str] = mapped_column(String(255), default="")

    @property
    def details(self) -> dict[str, Any] | None:
        """What the run did as named values (``JobDetails``), or None for a failure's message
        and for the lines runs stored before jobs reported counts."""
        if not self.detail.startswith("{"):
            return None
        try:
            value = json.loads(self.detail)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


# What each JobRun.status says to an administrator.
JOB_STATUS_LABELS = {"running": _l("Running"), "ok": _l("Succeeded"), "error": _l("Failed")}
