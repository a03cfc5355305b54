"""Invariant 8's closure over the events' and cases' tables: an event marked 碳中和 has at
least its latest footprint's tonnes retired for it; a case marked fulfilled has at least the
tonnes its judgment orders retired for it; a retirement for an event or a case names one that
exists. (That a retirement's purpose fields are filled in at all is ``trades``' check.)"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Subquery, func, select

from portal.db import session
from portal.market.cases.models import Case, CaseState
from portal.market.events.models import Event, EventFootprint
from portal.market.invariants import RETIREMENTS, Check, Fault
from portal.market.models import Retirement, RetirementPurpose


def _retired(purpose: RetirementPurpose, column: str) -> Subquery:
    """Σ tonnes retired for ``purpose`` by the event or case id in ``column``, a subquery."""
    reference = getattr(Retirement, column)
    return (
        select(reference.label("ref"), func.sum(Retirement.tonnes).label("tonnes"))
        .where(Retirement.purpose == purpose.value, reference.is_not(None))
        .group_by(reference)
        .subquery()
    )


def _neutral_events() -> Iterator[Fault]:
    """8: an event marked 碳中和 has retired ≥ its latest footprint's tonnes."""
    versions = (
        select(EventFootprint.event_id, func.max(EventFootprint.version).label("version"))
        .group_by(EventFootprint.event_id)
        .subquery()
    )
    latest = (
        select(EventFootprint.event_id, EventFootprint.tonnes)
        .join(
            versions,
            (versions.c.event_id == EventFootprint.event_id)
            & (versions.c.version == EventFootprint.version),
        )
        .subquery()
    )
    sums = _retired(RetirementPurpose.EVENT, "event_id")
    retired = func.coalesce(sums.c.tonnes, 0)
    rows = session().execute(
        select(Event.id, latest.c.tonnes, retired)
        .outerjoin(latest, latest.c.event_id == Event.id)
        .outerjoin(sums, sums.c.ref == Event.id)
        .where(
            Event.neutral_at.is_not(None),
            latest.c.tonnes.is_(None) | (retired < latest.c.tonnes),
        )
        .order_by(Event.id)
    )
    for event_id, needed, found in rows:
        what = (
            "marked carbon neutral without a footprint"
            if needed is None
            else f"marked carbon neutral with {found} of its {needed} tonnes retired"
        )
        yield Fault(Event.__tablename__, event_id, 8, what)


def _fulfilled_cases() -> Iterator[Fault]:
    """8: a case marked fulfilled has retired ≥ its required tonnes."""
    sums = _retired(RetirementPurpose.COMPENSATION, "case_id")
    retired = func.coalesce(sums.c.tonnes, 0)
    rows = session().execute(
        select(Case.id, Case.required_tonnes, retired)
        .outerjoin(sums, sums.c.ref == Case.id)
        .where(Case.state == CaseState.FULFILLED.value, retired < Case.required_tonnes)
        .order_by(Case.id)
    )
    for case_id, needed, found in rows:
        yield Fault(
            Case.__tablename__,
            case_id,
            8,
            f"marked fulfilled with {found} of its {needed} tonnes retired",
        )


def _named_references() -> Iterator[Fault]:
    """8: a retirement's event or case exists."""
    rows = session().execute(
        select(Retirement.id, Retirement.event_id, Retirement.case_id, Event.id, Case.id)
        .outerjoin(Event, Event.id == Retirement.event_id)
        .outerjoin(Case, Case.id == Retirement.case_id)
        .where(
            (Retirement.event_id.is_not(None) & Event.id.is_(None))
            | (Retirement.case_id.is_not(None) & Case.id.is_(None))
        )
        .order_by(Retirement.id)
    )
    for retirement_id, event_id, case_id, event, _case in rows:
        what = (
            f"names event #{event_id}, which does not exist"
            if event_id is not None and event is None
            else f"names court case #{case_id}, which does not exist"
        )
        yield Fault(RETIREMENTS, retirement_id, 8, what)


CHECKS: tuple[Check, ...] = (_neutral_events, _fulfilled_cases, _named_references)
