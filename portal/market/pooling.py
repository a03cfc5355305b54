"""The pooling job (``flask jobs run registry-pool``): draft batches from the live saleable
reductions no batch holds yet, one methodology and Asia/Shanghai vintage month each.

A month is pooled once it ended ``delay_days`` ago (late partner data). Per methodology, one
transaction: lock the methodology row (two runs pool one after the other), create the batch,
``INSERT … SELECT`` its contributions (one statement, however many), sum them, draw the sample.
``reduction_id`` is unique, so a rerun or a run killed half-way never pools a reduction twice.

Carry (grams under a tonne) goes from batch to batch of one methodology, claimed exactly once:
a methodology has at most one undecided batch, and the next one is proposed only after it is
issued or rejected. The next batch claims an issued batch's ``carry_out_grams``; a rejected
batch gave nothing out, so the next claims the rejected batch's own ``carry_in_grams`` (its
contributions are gone with it, as a contribution is in one batch ever). A month whose grams
and carry make no whole tonne is not proposed: its reductions wait for later data, and the
methodology's next month with a tonne goes ahead of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, Table, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.accounts.audit import record_audit
from portal.activities.models import Reduction
from portal.clock import SHANGHAI, bounds_utc, next_month
from portal.db import bulk_insert, session, transaction
from portal.market import sampling
from portal.market.models import Batch, BatchStatus, Contribution, SampleItem
from portal.market.review_queries import UNDECIDED
from portal.market.tonnes import BatchNumbers, batch_numbers
from portal.methodology.models import Methodology

_SAMPLE_ITEMS = cast(Table, SampleItem.__table__)


class _NoTonne(Exception):
    """The month's reductions were reversed between the sum and the insert: roll back."""


@dataclass(frozen=True)
class PoolReport:
    batches: int
    contributions: int
    tonnes: int


def first_unpoolable_month(now: datetime, delay_days: int) -> date:
    """The first day of the earliest month not ready to pool: records before its first
    Asia/Shanghai midnight are."""
    ready_before = (now - timedelta(days=delay_days)).astimezone(SHANGHAI).date()
    return ready_before.replace(day=1)


def _unpooled(
    methodology_id: int, start: datetime, end: datetime, *, skip_pooled: bool = True
) -> list[ColumnElement[bool]]:
    """The conditions on ``reductions`` of what a batch of that methodology and span takes
    (``skip_pooled``: leaving out those a batch holds)."""
    conditions = [
        Reduction.methodology_id == methodology_id,
        Reduction.is_saleable.is_(True),
        Reduction.is_live(),
        Reduction.net_grams > 0,
        Reduction.occurred_at >= start,
        Reduction.occurred_at < end,
    ]
    if skip_pooled:
        conditions.append(~exists().where(Contribution.reduction_id == Reduction.id))
    return conditions


def _earliest_waiting(before: datetime) -> dict[int, datetime]:
    """Per methodology, when its earliest unpooled saleable reduction before ``before``
    happened (one scan of what is unpooled)."""
    stmt = (
        select(Reduction.methodology_id, func.min(Reduction.occurred_at))
        .where(
            Reduction.is_saleable.is_(True),
            Reduction.is_live(),
            Reduction.net_grams > 0,
            Reduction.occurred_at < before,
            ~exists().where(Contribution.reduction_id == Reduction.id),
        )
        .group_by(Reduction.methodology_id)
    )
    return {methodology_id: at for methodology_id, at in session().execute(stmt)}


def _carry_in(methodology_id: int) -> int | None:
    """What the next batch of the methodology claims, or None while a batch is undecided."""
    last = (
        session()
        .scalars(
            select(Batch).where(Batch.methodology_id == methodology_id).order_by(Batch.id.desc())
        )
        .first()
    )
    if last is None:
        return 0
    if last.status in UNDECIDED:
        return None
    return last.carry_out_grams if last.status == BatchStatus.ISSUED else last.carry_in_grams


def _month_grams(methodology_id: int, first: date) -> int:
    start, end = bounds_utc(first, next_month(first))
    total = session().scalar(
        select(func.coalesce(func.sum(Reduction.net_grams), 0)).where(
            *_unpooled(methodology_id, start, end)
        )
    )
    return int(total or 0)


def _month_with_a_tonne(
    methodology_id: int, earliest: datetime, stop: date, carry_in: int, buffer_bp: int
) -> date | None:
    """The earliest vintage month from ``earliest`` up to (not including) ``stop`` whose
    unpooled grams and the carry make at least one tonne."""
    month = earliest.astimezone(SHANGHAI).date().replace(day=1)
    while month < stop:
        grams = _month_grams(methodology_id, month)
        if batch_numbers(grams, carry_in, buffer_bp).total_tonnes > 0:
            return month
        month = next_month(month)
    return None


def _apply(batch: Batch, numbers: BatchNumbers) -> None:
    for name in BatchNumbers.__dataclass_fields__:
        setattr(batch, name, getattr(numbers, name))


def _new_batch(methodology: Methodology, month: date, buffer_bp: int) -> Batch:
    vintage = month.year * 100 + month.month
    last_no = session().scalar(
        select(func.max(Batch.batch_no)).where(
            Batch.methodology_id == methodology.id, Batch.vintage == vintage
        )
    )
    batch = Batch(
        methodology_id=methodology.id,
        methodology_code=methodology.code,
        vintage=vintage,
        batch_no=(last_no or 0) + 1,
        status=BatchStatus.PROPOSED.value,
        buffer_bp=buffer_bp,
        sample_seed=sampling.new_seed(),
        sample_rule=sampling.SQRT_RULE,
    )
    session().add(batch)
    session().flush()
    return batch


def _attach_contributions(batch: Batch, month: date) -> tuple[int, int, int]:
    """Insert the month's unpooled reductions as the batch's contributions (one statement);
    their count, distinct citizens and grams."""
    start, end = bounds_utc(month, next_month(month))
    # Already pooled reductions are skipped by the unique reduction_id (ON CONFLICT DO NOTHING),
    # not by NOT EXISTS: an anti-join against the table being filled can be planned as a
    # nested loop over its growing heap.
    chosen = select(
        literal(batch.id), Reduction.id, Reduction.record_id, Reduction.user_id, Reduction.net_grams
    ).where(*_unpooled(batch.methodology_id, start, end, skip_pooled=False))
    columns = ["batch_id", "reduction_id", "record_id", "user_id", "grams"]
    dialect = session().get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = upsert(Contribution).from_select(columns, chosen)
    session().execute(statement.on_conflict_do_nothing(index_elements=["reduction_id"]))
    count, people, grams = (
        session()
        .execute(
            select(
                func.count(),
                func.count(func.distinct(Contribution.user_id)),
                func.coalesce(func.sum(Contribution.grams), 0),
            ).where(Contribution.batch_id == batch.id)
        )
        .one()
    )
    return int(count), int(people), int(grams)


def _draw(batch: Batch) -> None:
    ids = list(
        session().scalars(
            select(Contribution.id)
            .where(Contribution.batch_id == batch.id)
            .order_by(Contribution.id)
        )
    )
    chosen = sampling.draw_sample(batch.sample_seed, ids, sampling.sample_size(len(ids)))
    batch.sample_size = len(chosen)
    rows = [
        (batch.id, contribution_id, position, "pending")
        for position, contribution_id in enumerate(chosen, start=1)
    ]
    bulk_insert(_SAMPLE_ITEMS, ["batch_id", "contribution_id", "position", "verdict"], rows)


def _pool_methodology(
    methodology_id: int, earliest: datetime, stop: date, buffer_bp: int
) -> Batch | None:
    """One transaction: the methodology's next batch, or None (undecided batch, no tonne)."""
    with transaction():
        methodology = (
            session()
            .scalars(select(Methodology).where(Methodology.id == methodology_id).with_for_update())
            .one()
        )
        carry_in = _carry_in(methodology_id)
        if carry_in is None:
            return None
        month = _month_with_a_tonne(methodology_id, earliest, stop, carry_in, buffer_bp)
        if month is None:
            return None
        batch = _new_batch(methodology, month, buffer_bp)
        count, people, grams = _attach_contributions(batch, month)
        numbers = batch_numbers(grams, carry_in, buffer_bp)
        if numbers.total_tonnes == 0:
            raise _NoTonne
        _apply(batch, numbers)
        batch.contribution_count, batch.contributor_count = count, people
        _draw(batch)
        record_audit(
            "registry.batch_propose",
            actor_id=None,
            subject_type="registry_batch",
            subject_id=batch.id,
            details={"label": batch.label, "contributions": count, "tonnes": batch.total_tonnes},
        )
        return batch


def pool_reductions(*, now: datetime, delay_days: int, buffer_bp: int) -> PoolReport:
    """Propose the next batch of every methodology that has one ready; returns what it did."""
    stop = first_unpoolable_month(now, delay_days)
    before, _end = bounds_utc(stop, next_month(stop))
    batches = contributions = tonnes = 0
    for methodology_id, earliest in sorted(_earliest_waiting(before).items()):
        try:
            batch = _pool_methodology(methodology_id, earliest, stop, buffer_bp)
        except _NoTonne:  # the transaction rolled back; the reductions wait
            continue
        if batch is not None:
            batches += 1
            contributions += batch.contribution_count
            tonnes += batch.total_tonnes
    return PoolReport(batches=batches, contributions=contributions, tonnes=tonnes)
