"""Registry pooling: saleable reductions of real behaviour records (the sample pages show the
records), written directly; the quantify job is tested on its own."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.activities.models import BehaviorRecord, RecordStatus, Reduction
from portal.db import session
from portal.methodology.models import MethodologyVersion
from tests.factories.activities import record_row


def add_saleable(
    user: User, methodology: Any, occurred_at: datetime, grams: Iterable[int], **fields: Any
) -> list[Reduction]:
    """One quantified record and its live saleable reduction per amount in ``grams``."""
    version = session().scalar(
        select(MethodologyVersion.id).where(MethodologyVersion.methodology_id == methodology.id)
    )
    made = []
    for amount in grams:
        record = BehaviorRecord(
            **record_row(user.id, methodology.id, occurred_at, status=RecordStatus.QUANTIFIED)
        )
        session().add(record)
        session().flush()
        values: dict[str, Any] = {
            "record_id": record.id,
            "user_id": user.id,
            "methodology_id": methodology.id,
            "version_id": version or 0,
            "occurred_at": occurred_at,
            "gross_grams": amount,
            "capped_grams": 0,
            "net_grams": amount,
            "points": amount,
            "credited_quantity_milli": 3000,
            "is_counted": True,
            "is_saleable": True,
            "parameters": {},
            "snapshot_id": 0,
            **fields,
        }
        reduction = Reduction(**values)
        session().add(reduction)
        made.append(reduction)
    session().flush()
    session().commit()
    return made
