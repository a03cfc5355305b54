"""A check the counter tests share: the counters kept by triggers (migration 0011) equal a
recount of the rows they summarise."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.activities.models import BehaviorRecord, RecordStatus, Reduction, ReductionTotal
from portal.stats.queries import HeadlineCounters, get_headline_counters


def recount(session: Session) -> HeadlineCounters:
    """The home page's figures counted over the whole tables, as the page did before 0011."""
    records = session.scalar(
        select(func.count(BehaviorRecord.id)).where(
            BehaviorRecord.status != RecordStatus.SUPERSEDED.value
        )
    )
    grams = session.scalar(
        select(func.coalesce(func.sum(Reduction.net_grams), 0)).where(Reduction.is_live())
    )
    participants = session.scalar(select(func.count(User.id)).where(User.is_disabled.is_(False)))
    return HeadlineCounters(
        participants=int(participants or 0), records=int(records or 0), grams_reduced=int(grams)
    )


def assert_counters_match(session: Session) -> HeadlineCounters:
    """The headline counters and every person's totals per methodology equal a recount;
    returns the counters."""
    counters = get_headline_counters()
    assert counters == recount(session)
    live = {
        (user_id, methodology_id): (int(grams), int(points), int(n))
        for user_id, methodology_id, grams, points, n in session.execute(
            select(
                Reduction.user_id,
                Reduction.methodology_id,
                func.sum(Reduction.net_grams),
                func.sum(Reduction.points),
                func.count(Reduction.id),
            )
            .where(Reduction.is_live())
            .group_by(Reduction.user_id, Reduction.methodology_id)
        )
    }
    kept = {
        (row.user_id, row.methodology_id): (row.net_grams, row.points, row.reductions)
        for row in session.scalars(select(ReductionTotal))
        if (row.net_grams, row.points, row.reductions) != (0, 0, 0)
    }
    assert kept == live
    return counters
