"""Gamification: credited reductions of a real methodology (its filed version's activity unit),
as the badge measures read them, and many citizens' reductions at once for the job's tests."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from sqlalchemy import insert, select

from portal.accounts.models import User
from portal.activities.models import Reduction
from portal.db import session
from portal.gamification.models import BadgeAward
from portal.methodology.models import Methodology, MethodologyVersion

_numbers = count(20_000_000)


def _version(code: str) -> tuple[int, int]:
    row = (
        session()
        .execute(
            select(Methodology.id, MethodologyVersion.id)
            .join(MethodologyVersion, MethodologyVersion.methodology_id == Methodology.id)
            .where(Methodology.code == code)
            .order_by(MethodologyVersion.version_no.desc())
        )
        .first()
    )
    assert row is not None, f"{code}: seed the methodologies first"
    return row[0], row[1]


def reduction_row(
    user_id: int, code: str, occurred_at: datetime, quantity_milli: int = 5000, grams: int = 200
) -> dict[str, Any]:
    """The columns of one live reduction of methodology ``code`` (seeded), credited in full."""
    methodology, version = _version(code)
    n = next(_numbers)
    return {
        "record_id": n,
        "user_id": user_id,
        "methodology_id": methodology,
        "version_id": version,
        "occurred_at": occurred_at,
        "gross_grams": grams,
        "capped_grams": 0,
        "net_grams": grams,
        "points": grams,
        "credited_quantity_milli": quantity_milli,
        "is_counted": True,
        "is_saleable": False,
        "parameters": {},
        "snapshot_id": n,
        "created_at": occurred_at,
    }


def credit(
    user: User, code: str, occurred_at: datetime, quantity_milli: int = 5000, grams: int = 200
) -> None:
    """One live reduction for ``user`` (the reductions table has no foreign keys: no record)."""
    session().execute(
        insert(Reduction), [reduction_row(user.id, code, occurred_at, quantity_milli, grams)]
    )


def make_award(
    user: User, badge_key: str = "first_record", tier: str = "bronze", **fields: Any
) -> BadgeAward:
    """A badge award held by ``user`` (as the badges job writes it)."""
    award = BadgeAward(user_id=user.id, badge_key=badge_key, tier=tier, **fields)
    session().add(award)
    session().flush()
    return award
