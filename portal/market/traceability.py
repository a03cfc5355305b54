"""A citizen's trace through the registry (DESIGN.md §3: "my reductions went into batch X,
retired by Y for Z"), computed from the rows each time: the batches their contributions were
pooled into (methodology, vintage, grams they gave, the batch's serial range) and, for each,
the retirements that took serials of that batch (purpose, beneficiary, retiring organisation,
the event's or case's title through the purpose seam).

Attribution follows the registry's pooling: grams are pooled, serials are not one person's,
so a citizen is credited with every retirement of a batch they contributed to.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from portal.accounts.models import Organisation
from portal.db import session
from portal.market.models import (
    Batch,
    BatchStatus,
    BlockState,
    Contribution,
    Retirement,
    SerialBlock,
)
from portal.market.purposes import reference_titles
from portal.methodology.models import Methodology
from portal.pagination import paginate_rows

BATCHES_PER_PAGE = 10


@dataclass(frozen=True)
class RetirementTrace:
    retirement: Retirement
    organisation: Organisation
    tonnes: int  # of this batch's serials in the retirement
    titles: tuple[str, str] | None  # the event's or case's (zh, en) title, if it names one


@dataclass(frozen=True)
class BatchTrace:
    batch: Batch
    methodology: Methodology
    grams: int  # what the citizen contributed to the batch
    retirements: list[RetirementTrace]

    @property
    def is_issued(self) -> bool:
        return self.batch.status == BatchStatus.ISSUED.value


def list_batch_traces(user_id: int, page: int = 1) -> tuple[Pagination, list[BatchTrace]]:
    """One page of the batches ``user_id`` contributed to, newest vintage first, each with the
    citizen's grams and the retirements of its serials (oldest first)."""
    grams = func.sum(Contribution.grams).label("grams")
    stmt = (
        select(Batch, Methodology, grams)
        .join(Contribution, Contribution.batch_id == Batch.id)
        .join(Methodology, Methodology.id == Batch.methodology_id)
        .where(Contribution.user_id == user_id)
        .group_by(Batch.id, Methodology.id)
        .order_by(Batch.vintage.desc(), Batch.id.desc())
    )
    pagination = paginate_rows(stmt, page, BATCHES_PER_PAGE)
    by_batch = _retirements_by_batch([batch.id for batch, _, _ in pagination.items])
    traces = [
        BatchTrace(batch, methodology, int(total), by_batch.get(batch.id, []))
        for batch, methodology, total in pagination.items
    ]
    return pagination, traces


def _retirements_by_batch(batch_ids: list[int]) -> dict[int, list[RetirementTrace]]:
    if not batch_ids:
        return {}
    tonnes = func.sum(SerialBlock.end_serial - SerialBlock.start_serial + 1).label("tonnes")
    rows = session().execute(
        select(SerialBlock.batch_id, Retirement, Organisation, tonnes)
        .join(Retirement, Retirement.id == SerialBlock.retirement_id)
        .join(Organisation, Organisation.id == Retirement.holder_org_id)
        .where(
            SerialBlock.batch_id.in_(batch_ids),
            SerialBlock.state == BlockState.RETIRED.value,
        )
        .group_by(SerialBlock.batch_id, Retirement.id, Organisation.id)
        .order_by(SerialBlock.batch_id, Retirement.retired_at, Retirement.id)
    )
    traced: dict[int, list[RetirementTrace]] = {}
    for batch_id, retirement, organisation, total in rows:
        trace = RetirementTrace(retirement, organisation, int(total), reference_titles(retirement))
        traced.setdefault(batch_id, []).append(trace)
    return traced
