"""Invariants 6 and 9 over batches: a batch's grams and counts are its contributions', its
tonnes what those grams allow (pooled = contributed + carried in, total = ⌊pooled / 10⁶⌋,
buffer = ⌈total × share⌉, so issued ≤ ⌊(Σ contributions − buffer) / 10⁶⌋ with the carry), a
reduction is in one batch, ever (6); three different officials sampled, verified and issued
each issued batch (9)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import case, func, literal, or_, select

from portal.db import session
from portal.market.invariants import BATCHES, CONTRIBUTIONS, Check, Fault, worded
from portal.market.models import Batch, BatchStatus, Contribution

GRAMS_PER_TONNE = 1_000_000
BASIS = 10_000  # basis points in one


def _contribution_sums() -> Iterator[Fault]:
    """6: a batch's grams and counts are its contributions'."""
    sums = (
        select(
            Contribution.batch_id,
            func.sum(Contribution.grams).label("grams"),
            func.count().label("n"),
            func.count(func.distinct(Contribution.user_id)).label("people"),
        )
        .group_by(Contribution.batch_id)
        .subquery()
    )
    grams = func.coalesce(sums.c.grams, 0)
    n = func.coalesce(sums.c.n, 0)
    people = func.coalesce(sums.c.people, 0)
    rows = session().execute(
        select(Batch.id, Batch.contributed_grams, grams, Batch.contribution_count, n,
               Batch.contributor_count, people)
        .outerjoin(sums, sums.c.batch_id == Batch.id)
        .where(or_(Batch.contributed_grams != grams, Batch.contribution_count != n,
                   Batch.contributor_count != people))
        .order_by(Batch.id)
    )  # fmt: skip
    for batch_id, stored, summed, count, counted, citizens, distinct in rows:
        yield Fault(
            BATCHES,
            batch_id,
            6,
            f"contributed {stored} g from {count} contributions of {citizens} citizens; "
            f"its contributions hold {summed} g, {counted} contributions, {distinct} citizens",
        )


def _pooling() -> Iterator[Fault]:
    """6: an issued batch's tonnes are what its grams allow: pooled = contributed + carried
    in, total = ⌊pooled / 10⁶⌋ (the rest carried out), buffer = ⌈total × share⌉."""
    tonne = GRAMS_PER_TONNE
    what = case(
        (Batch.pooled_grams != Batch.contributed_grams + Batch.carry_in_grams,
         literal("pooled_grams is not contributed_grams + carry_in_grams")),
        (or_(Batch.total_tonnes * tonne > Batch.pooled_grams,
             (Batch.total_tonnes + 1) * tonne <= Batch.pooled_grams),
         literal("total_tonnes is not pooled_grams // 10^6")),
        (Batch.carry_out_grams != Batch.pooled_grams - Batch.total_tonnes * tonne,
         literal("carry_out_grams is not what the tonnes leave")),
        (or_(Batch.buffer_tonnes * BASIS < Batch.total_tonnes * Batch.buffer_bp,
             (Batch.buffer_tonnes - 1) * BASIS >= Batch.total_tonnes * Batch.buffer_bp),
         literal("buffer_tonnes is not ceil(total_tonnes x buffer_bp / 10^4)")),
    )  # fmt: skip
    rows = session().execute(
        select(Batch.id, what)
        .where(Batch.status == BatchStatus.ISSUED.value, what.is_not(None))
        .order_by(Batch.id)
    )
    yield from worded(BATCHES, 6, iter(rows))


def _reductions_once() -> Iterator[Fault]:
    """6: a reduction is in one contribution, so in one batch, ever."""
    rows = session().execute(
        select(func.min(Contribution.id), Contribution.reduction_id, func.count())
        .group_by(Contribution.reduction_id)
        .having(func.count() > 1)
    )
    for contribution_id, reduction_id, count in rows:
        yield Fault(
            CONTRIBUTIONS, contribution_id, 6, f"reduction #{reduction_id} is in {count} batches"
        )


def _separation() -> Iterator[Fault]:
    """9: three different officials sampled, verified and issued each issued batch."""
    sampler, verifier, issuer = Batch.sampled_by_id, Batch.verified_by_id, Batch.issued_by_id
    what = case(
        (or_(sampler.is_(None), verifier.is_(None), issuer.is_(None)),
         literal("issued without a sampling, verifying or issuing official")),
        (sampler == verifier, literal("sampled and verified by the same official")),
        (verifier == issuer, literal("verified and issued by the same official")),
        (sampler == issuer, literal("sampled and issued by the same official")),
    )  # fmt: skip
    rows = session().execute(
        select(Batch.id, what)
        .where(Batch.status == BatchStatus.ISSUED.value, what.is_not(None))
        .order_by(Batch.id)
    )
    yield from worded(BATCHES, 9, iter(rows))


CHECKS: tuple[Check, ...] = (_contribution_sums, _pooling, _reductions_once, _separation)
