"""Finding other records an incoming one may repeat: the same act through another channel, and
another trip of the same person at the same time. Flush-only reads (and locks) for the intake
services, which own the transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.activities.models import BehaviorRecord, RecordStatus
from portal.clock import day_bounds
from portal.db import session
from portal.methodology.models import Methodology

OPEN_STATUSES = (RecordStatus.PENDING.value, RecordStatus.FLAGGED.value)
LIVE_STATUSES = (*OPEN_STATUSES, RecordStatus.QUANTIFIED.value)


def is_same_act(a_start: datetime, a_end: datetime | None, a_milli: int, b: BehaviorRecord) -> bool:
    """Two records of one person and methodology describe the same act: their trips overlap,
    or (without trip times) they fall on the same Shanghai day with quantities within 20 %."""
    if a_end is not None and b.ended_at is not None:
        return a_start < b.ended_at and b.occurred_at < a_end
    if day_bounds(a_start) != day_bounds(b.occurred_at):
        return False
    return abs(a_milli - b.quantity_milli) * 5 <= max(a_milli, b.quantity_milli)


def list_candidates(
    user_id: int,
    methodology_id: int,
    start: datetime,
    end: datetime | None,
    channels: tuple[str, ...],
) -> list[BehaviorRecord]:
    """Live records of this person and methodology, from ``channels``, that may be the same act
    as one at [start, end]: from the Asia/Shanghai day before ``start`` to the end of ``end``'s
    day (``is_same_act`` decides)."""
    low, _ = day_bounds(start)
    _, high = day_bounds(end or start)
    return list(
        session().scalars(
            select(BehaviorRecord).where(
                BehaviorRecord.user_id == user_id,
                BehaviorRecord.methodology_id == methodology_id,
                BehaviorRecord.channel.in_(channels),
                BehaviorRecord.status.in_(LIVE_STATUSES),
                BehaviorRecord.occurred_at >= low - timedelta(days=1),
                BehaviorRecord.occurred_at < high,
            )
        )
    )


def lock_live(record_ids: set[int]) -> dict[int, BehaviorRecord]:
    """Lock these records in one statement, in id order (so two calls never wait on each other
    in opposite orders), and return those still live, re-read: a concurrent quantify batch or
    partner call that changed one has committed by the time we hold it."""
    if not record_ids:
        return {}
    rows = session().scalars(
        select(BehaviorRecord)
        .where(BehaviorRecord.id.in_(sorted(record_ids)), BehaviorRecord.status.in_(LIVE_STATUSES))
        .order_by(BehaviorRecord.id)
        # FOR NO KEY UPDATE on PostgreSQL: what the status update takes anyway, and it does not
        # block foreign-key checks against these rows.
        .with_for_update(key_share=True, of=BehaviorRecord)
        .execution_options(populate_existing=True)
    )
    return {record.id: record for record in rows}


def overlaps_other_trip(
    user_id: int,
    start: datetime,
    end: datetime | None,
    transport_ids: set[int],
    same_act_ids: frozenset[int] = frozenset(),
) -> bool:
    """Another live trip of this person overlaps [start, end); records of the same act (the
    citizen's own report of a trip a partner now sends) are not a second trip."""
    if end is None or not transport_ids:
        return False
    clash = session().scalar(
        select(BehaviorRecord.id)
        .where(
            BehaviorRecord.user_id == user_id,
            BehaviorRecord.methodology_id.in_(transport_ids),
            BehaviorRecord.status.in_(LIVE_STATUSES),
            BehaviorRecord.ended_at.is_not(None),
            BehaviorRecord.occurred_at < end,
            BehaviorRecord.ended_at > start,
            BehaviorRecord.id.not_in(same_act_ids),
        )
        .limit(1)
    )
    return clash is not None


def transport_ids() -> set[int]:
    """Ids of the transport methodologies: their trips of one person must not overlap."""
    return set(session().scalars(select(Methodology.id).where(Methodology.category == "transport")))
