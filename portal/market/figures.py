"""The registry's key figures for its public hub and the home page: tonnes issued, for sale and
retired, and the counts of batches, retirements and 以碳代偿 cases. Counts only: nothing here
names an organisation or a person."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.db import session
from portal.market.cases.models import Case, CaseState
from portal.market.models import Batch, BatchStatus, BlockState, Retirement, SerialBlock

_TONNES = SerialBlock.end_serial - SerialBlock.start_serial + 1


@dataclass(frozen=True)
class RegistryFigures:
    batches: int
    issued_tonnes: int  # for sale at issue: the batches' totals less their buffers
    available_tonnes: int
    retired_tonnes: int
    retirements: int
    open_cases: int  # open or overdue: not yet covered by retirements
    fulfilled_cases: int


def registry_figures() -> RegistryFigures:
    """The registry so far, computed from its batches, blocks, retirements and cases."""
    db = session()
    batches, issued = db.execute(
        select(func.count(Batch.id), func.coalesce(func.sum(Batch.issued_tonnes), 0)).where(
            Batch.status == BatchStatus.ISSUED.value
        )
    ).one()
    tonnes = dict(
        db.execute(
            select(SerialBlock.state, func.sum(_TONNES))
            .join(Batch, Batch.id == SerialBlock.batch_id)
            .where(Batch.status == BatchStatus.ISSUED.value)
            .group_by(SerialBlock.state)
        ).all()
    )
    cases = dict(db.execute(select(Case.state, func.count(Case.id)).group_by(Case.state)).all())
    return RegistryFigures(
        batches=int(batches),
        issued_tonnes=int(issued),
        available_tonnes=int(tonnes.get(BlockState.AVAILABLE.value, 0)),
        retired_tonnes=int(tonnes.get(BlockState.RETIRED.value, 0)),
        retirements=int(db.scalar(select(func.count(Retirement.id))) or 0),
        open_cases=int(cases.get(CaseState.OPEN.value, 0) + cases.get(CaseState.OVERDUE.value, 0)),
        fulfilled_cases=int(cases.get(CaseState.FULFILLED.value, 0)),
    )
