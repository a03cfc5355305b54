"""The ``pooling`` part of benchmarks/registry.py: the ``registry-pool`` job over N live
saleable reductions of one methodology in one past month (no batch holds any).

The reductions are written in bulk (COPY on PostgreSQL), ``PER_INSERT`` per transaction, by
``PEOPLE`` citizens at most, the tables settled; then one ``pool_reductions()`` is timed: one
batch, its contributions in one ``INSERT … SELECT``, the sums and the sample draw. The aim:
10⁶ contributions in at most 60 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select

from benchmarks.harness import settle
from portal.activities.models import Reduction
from portal.db import bulk_insert
from portal.extensions import db
from portal.market.pooling import pool_reductions
from portal.methodology.models import Methodology
from portal.methodology.services import seed_filed_methodologies

CODE = "JLCH-TR-006"
MONTH = datetime(2026, 9, 1, tzinfo=UTC)  # reductions on 2..29 September (UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)
# Reductions go in 10⁵ per transaction: the reduction totals' trigger updates one row per
# person and methodology, whose versions pile up in one long transaction.
PER_INSERT = 100_000
PEOPLE = 50_000
COLUMNS = (
    "record_id", "user_id", "methodology_id", "version_id", "occurred_at", "gross_grams",
    "capped_grams", "net_grams", "points", "capped_by", "credited_quantity_milli",
    "is_counted", "is_saleable", "parameters", "snapshot_id", "created_at",
)  # fmt: skip


def _reductions(methodology: int, first: int, last: int) -> Iterator[tuple[Any, ...]]:
    for n in range(first, last + 1):
        grams = 3000 + n % 5000
        occurred = MONTH + timedelta(days=1, seconds=n % 2_400_000)
        yield (n, 1 + n % PEOPLE, methodology, 1, occurred, grams, 0, grams, 3, None, 50_000,
               True, True, "{}", 1, MONTH)  # fmt: skip


def add_reductions(count: int) -> None:
    """``count`` live saleable reductions of ``CODE`` in September 2026; commits."""
    methodology = db.session.scalar(select(Methodology.id).where(Methodology.code == CODE))
    assert methodology is not None
    table = cast(Table, Reduction.__table__)
    for first in range(1, count + 1, PER_INSERT):
        last = min(first + PER_INSERT - 1, count)
        bulk_insert(table, COLUMNS, _reductions(methodology, first, last), as_text=["parameters"])
        db.session.commit()


def time_pooling(backend: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """The ``pooling`` part for one size on the (empty, migrated) database of the current app."""
    seed_filed_methodologies()
    add_reductions(size)
    settle(backend)
    started = time.perf_counter()
    report = pool_reductions(now=NOW, delay_days=7, buffer_bp=500)
    seconds = time.perf_counter() - started
    if report.contributions != size:
        raise RuntimeError(f"pooled {report.contributions} of {size} reductions")
    return {
        "backend": backend,
        "contributions": size,
        "batches": report.batches,
        "tonnes": report.tonnes,
        "seconds": round(seconds, 3),
        "rows_per_second": round(size / seconds),
        "us_per_row": round(seconds / size * 1e6, 2),
    }
