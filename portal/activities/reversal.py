"""Reversing a reduction when partner data of the same act replaces the citizen's own report.

Flush-only helpers for ``submit_partner_records``, which owns the transaction. A reversal is a
reversing ledger posting (the citizen's points account is debited the reduction's points, the
issuance account credited: corrections are new postings, never edits — DESIGN.md §6), the cap
usage the reduction consumed given back, and the reduction marked ``reversed_at`` /
``reversed_by_record_id``. The row itself stays, so "how was this computed" still explains it.

Lock order is the quantify job's — cap-usage rows in key order, then the citizens' points
accounts (inside ``append``) — with the reductions' own rows before both (the job never locks
those). A caller reversing for several partner records in one transaction must therefore lock
*every* row it may touch (``lock_for_reversal``) before its first ``append``: a cap-usage lock
taken while already holding a points account could deadlock with a quantify batch that holds
that row and waits for the account.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_

from portal.activities.models import BehaviorRecord, CapUsage, Reduction
from portal.activities.quantify.cap_usage import UsageKey
from portal.db import session
from portal.ledger.services import Posting, append, ensure_user_accounts, issuance_account_id
from portal.methodology.engine import buckets_for

REVERSAL_KIND = "reduction_reversal"


def reversal_key(reduction_id: int) -> str:
    """The ledger idempotency key of a reduction's reversal: a reduction is reversed once."""
    return f"reduction:reverse:{reduction_id}"


@dataclass(frozen=True)
class ReversalLocks:
    """What ``lock_for_reversal`` holds: live reductions by record id, cap-usage rows by key."""

    reductions: dict[int, Reduction]
    usage: dict[UsageKey, CapUsage]


def _usage_keys(reduction: Reduction) -> list[UsageKey]:
    return [
        (reduction.user_id, reduction.methodology_id, bucket.period, bucket.start)
        for bucket in buckets_for(reduction.occurred_at)
    ]


def lock_for_reversal(record_ids: Collection[int]) -> ReversalLocks:
    """Lock the live (not reversed) reductions of ``record_ids`` and the cap-usage rows of their
    Asia/Shanghai day, month and year buckets, in that order and each in key order (``SELECT …
    FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already serialises writers). Rows are re-read, so
    a reduction another transaction reversed while we waited is no longer returned. A bucket
    without a row (its period has no cap, or nothing was ever stored) is simply absent."""
    if not record_ids:
        return ReversalLocks({}, {})
    db = session()
    reductions = list(
        db.scalars(
            select(Reduction)
            .where(Reduction.record_id.in_(sorted(record_ids)), Reduction.is_live())
            .order_by(Reduction.id)
            # OF reductions: PostgreSQL refuses to lock the outer-joined side of an eager load.
            .with_for_update(of=Reduction)
            .execution_options(populate_existing=True)
        )
    )
    keys = sorted({key for reduction in reductions for key in _usage_keys(reduction)})
    usage: dict[UsageKey, CapUsage] = {}
    if keys:
        columns = (
            CapUsage.user_id,
            CapUsage.methodology_id,
            CapUsage.period,
            CapUsage.bucket_start,
        )
        for row in db.scalars(
            select(CapUsage)
            .where(tuple_(*columns).in_(keys))
            .order_by(*columns)
            .with_for_update()
            .execution_options(populate_existing=True)
        ):
            usage[(row.user_id, row.methodology_id, row.period, row.bucket_start)] = row
    return ReversalLocks({r.record_id: r for r in reductions}, usage)


def reverse_reductions(
    reductions: Sequence[Reduction],
    *,
    replaced_by: BehaviorRecord,
    locks: ReversalLocks,
    now: datetime,
) -> None:
    """Reverse live ``reductions`` (locked by ``lock_for_reversal``) because ``replaced_by``, a
    partner record of the same act, now counts instead. Flush-only.

    One ledger posting per reduction with points (key ``reduction:reverse:<id>``), all in one
    ``append``: raises ``Conflict`` when the citizen's balance no longer covers them, and then
    nothing at all is written — the ledger call runs in a savepoint and the cap usage and the
    reductions are changed only after it succeeded. Cap usage goes down by the reduction's
    ``net_grams``, ``credited_quantity_milli`` and ``is_counted`` in each bucket that has a row,
    never below zero.
    """
    if not reductions:
        return
    with_points = [r for r in reductions if r.points > 0]
    if with_points:
        accounts = ensure_user_accounts({r.user_id for r in with_points})
        issuance = issuance_account_id()
        append(
            [
                Posting(
                    idempotency_key=reversal_key(r.id),
                    kind=REVERSAL_KIND,
                    entries=((accounts[r.user_id], -r.points), (issuance, r.points)),
                    memo={
                        "reduction_id": r.id,
                        "record_id": r.record_id,
                        "replaced_by_record_id": replaced_by.id,
                        "grams": r.net_grams,
                    },
                )
                for r in with_points
            ]
        )
    for reduction in reductions:
        for key in _usage_keys(reduction):
            row = locks.usage.get(key)
            if row is None:
                continue
            row.grams = max(0, row.grams - reduction.net_grams)
            row.quantity_milli = max(0, row.quantity_milli - reduction.credited_quantity_milli)
            row.records = max(0, row.records - int(reduction.is_counted))
        reduction.reversed_at = now
        reduction.reversed_by_record_id = replaced_by.id
