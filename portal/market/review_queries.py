"""Reads of registry batches for the officials' pages (and anyone else's): lists by status,
one batch, its sample with the records behind it, who is acting on it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from portal.activities.models import BehaviorRecord
from portal.db import session
from portal.market.duties import Officials
from portal.market.models import Batch, BatchStatus, Contribution, SampleItem, SampleVerdict
from portal.methodology.models import Methodology
from portal.pagination import paginate, paginate_rows

SAMPLE_PAGE = 50
UNDECIDED = (BatchStatus.PROPOSED, BatchStatus.SAMPLED, BatchStatus.VERIFIED)


def get_batch(batch_id: int) -> Batch | None:
    return session().get(Batch, batch_id)


def lock_batch(batch_id: int) -> Batch | None:
    """The batch, its row locked for the calling service's transaction."""
    return session().scalars(select(Batch).where(Batch.id == batch_id).with_for_update()).first()


def list_batches(status: str, page: int = 1) -> Pagination:
    """Batches of one status: those waiting for a step oldest first, decided ones newest
    first."""
    stmt = select(Batch).where(Batch.status == status)
    waiting = status in UNDECIDED
    return paginate(stmt.order_by(Batch.id if waiting else Batch.id.desc()), page)


def count_batches_by_status() -> dict[str, int]:
    rows = session().execute(select(Batch.status, func.count()).group_by(Batch.status))
    return {status: int(count) for status, count in rows}


def count_undecided_batches() -> int:
    """Batches waiting for a step (sample review, verification or issue)."""
    counts = count_batches_by_status()
    return sum(counts.get(status, 0) for status in UNDECIDED)


def officials_of(batch: Batch) -> Officials:
    """Who acted on the batch: its reviewer (before completion, whoever reviewed the first
    sampled record) and its verifier."""
    reviewer = batch.sampled_by_id
    if reviewer is None:
        reviewer = session().scalar(
            select(SampleItem.reviewed_by_id)
            .where(SampleItem.batch_id == batch.id, SampleItem.reviewed_by_id.is_not(None))
            .order_by(SampleItem.reviewed_at, SampleItem.id)
            .limit(1)
        )
    return Officials(reviewer_id=reviewer, verifier_id=batch.verified_by_id)


@dataclass(frozen=True)
class SampleCounts:
    size: int
    passed: int
    failed: int

    @property
    def pending(self) -> int:
        return self.size - self.passed - self.failed


def sample_counts(batch_id: int) -> SampleCounts:
    rows = session().execute(
        select(SampleItem.verdict, func.count())
        .where(SampleItem.batch_id == batch_id)
        .group_by(SampleItem.verdict)
    )
    counts = {verdict: int(count) for verdict, count in rows}
    return SampleCounts(
        size=sum(counts.values()),
        passed=counts.get(SampleVerdict.PASSED.value, 0),
        failed=counts.get(SampleVerdict.FAILED.value, 0),
    )


def list_sample(batch_id: int, page: int = 1) -> Pagination:
    """The batch's sampled records in draw order; items are ``(item, contribution, record,
    methodology)``."""
    stmt = (
        select(SampleItem, Contribution, BehaviorRecord, Methodology)
        .join(Contribution, Contribution.id == SampleItem.contribution_id)
        .join(BehaviorRecord, BehaviorRecord.id == Contribution.record_id)
        .join(Methodology, Methodology.id == BehaviorRecord.methodology_id)
        .where(SampleItem.batch_id == batch_id)
        .order_by(SampleItem.position)
    )
    return paginate_rows(stmt, page, per_page=SAMPLE_PAGE)


def get_sample_item(batch_id: int, item_id: int) -> SampleItem | None:
    item = session().get(SampleItem, item_id)
    return item if item is not None and item.batch_id == batch_id else None


def sample_contribution_ids(batch_id: int) -> list[int]:
    """The contribution ids in the batch's sample, in draw order (to check with the seed)."""
    return list(
        session().scalars(
            select(SampleItem.contribution_id)
            .where(SampleItem.batch_id == batch_id)
            .order_by(SampleItem.position)
        )
    )
