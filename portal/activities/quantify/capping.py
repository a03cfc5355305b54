"""Capping a batch: each person's records per methodology in time order against their usage.

Reads the usage of the batch's keys (``cap_usage.read_usage``), sets each record's capped
result and credited quantity, and returns the new totals for ``cap_usage.add_usage`` to write
and check. Writes nothing itself.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import groupby
from operator import attrgetter

from portal.activities.models import QUANTITY_SCALE
from portal.activities.quantify.cap_usage import NOTHING_USED, UsageKey, UsageRow, read_usage
from portal.activities.quantify.quantities import ClaimedRecord
from portal.methodology.engine import NO_USAGE, Bucket, CapInput, PriorUsage, Usage, apply_caps


def _by_time(item: ClaimedRecord) -> tuple[datetime, int]:
    return item.occurred_at, item.record_id


def cap_records(
    items: list[ClaimedRecord],
) -> tuple[dict[UsageKey, UsageRow], dict[UsageKey, list[int]]]:
    """Cap each person's records per methodology in time order against their stored usage;
    set each item's ``capped`` and ``credited_milli`` and return the usage rows read (keys
    without a row left out) and the new totals of every key.

    Usage is kept only for the periods the version in force caps (a version that caps a new
    period counts from its effective date); a batch spanning two versions caps each record by
    its own version's limits.
    """
    groups: dict[tuple[int, int], list[ClaimedRecord]] = {}
    keys: set[UsageKey] = set()
    for item in items:
        person = (item.user_id, item.methodology_id)
        group = groups.get(person)
        if group is None:
            groups[person] = [item]
        else:
            group.append(item)
        buckets = item.buckets
        for index in item.version.capped:
            keys.add((*person, *buckets[index]))
    read = read_usage(keys)
    usage = {key: list(read.get(key, NOTHING_USED)) for key in keys}
    for person, group in groups.items():
        if len(group) == 1:
            runs = [group]
        else:
            group.sort(key=_by_time)
            # Consecutive runs of one version (versions follow one another in time).
            runs = [list(run) for _, run in groupby(group, key=attrgetter("version"))]
        for run in runs:
            _cap_run(person, run, usage)
    return read, usage


def _cap_run(
    person: tuple[int, int], run: list[ClaimedRecord], usage: dict[UsageKey, list[int]]
) -> None:
    """Cap ``run`` (one person's records of one version, in time order) against ``usage``, and
    add what they used to it."""
    version = run[0].version
    capped_at = version.capped
    prior: dict[Bucket, Usage] = {}
    for item in run:
        for index in capped_at:
            bucket = item.buckets[index]
            if bucket not in prior:
                grams, quantity, records = usage[(*person, *bucket)]
                prior[bucket] = (
                    Usage(grams, Decimal(quantity) / QUANTITY_SCALE, records)
                    if grams or quantity or records
                    else NO_USAGE
                )
    inputs = [
        CapInput(
            item.record_id,
            item.occurred_at,
            item.result.gross_grams,
            item.result.activity_quantity,
            item.buckets,
            item.result.exact_grams,
        )
        for item in run
    ]
    # Results come in processing order: the run's own order.
    for item, capped in zip(run, apply_caps(inputs, version.caps, PriorUsage(prior)), strict=True):
        item.capped = capped
        item.credited_milli = credited_milli = int(capped.credited_quantity * QUANTITY_SCALE)
        for index in capped_at:
            values = usage[(*person, *item.buckets[index])]
            values[0] += capped.net_grams
            values[1] += credited_milli
            values[2] += capped.is_counted
