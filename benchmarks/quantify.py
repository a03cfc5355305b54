"""Benchmark the quantify job: pending behaviour records → reductions, caps, ledger credits.

For each size (10⁴, 10⁵, 10⁶ by default) and backend (SQLite file, PostgreSQL), a fresh
database is migrated and seeded with the 22 filed methodologies, users and pending records
spread over several methodologies and 20 days, and then settled before anything is timed:
statistics gathered and visibility recorded (VACUUM ANALYZE, as pgbench does after loading its
tables; ANALYZE on SQLite) and the load's dirty pages written out (CHECKPOINT, which needs a
superuser or pg_checkpoint). A deliberate choice: the timings are of the job, not of the
database catching up with a million rows handed to it at once. Records arriving over hours
meet autovacuum on the way; the hint bits and visibility of rows written a moment ago are work
a production job may still meet, and this benchmark leaves it out.

The job is timed end to end, including the workers' start-up: on PostgreSQL once in one
process and once with ``--workers`` processes (``QUANTIFY_WORKERS``; SQLite's writers take
turns, so it runs one; below 20,000 pending records the job stays in one process, and the
``processes`` column says how many it took). Then the very reduction rows it wrote are
bulk-inserted into empty copies of the table with the same driver — the baselines, measured in
the same run: SQLAlchemy's executemany of ``insert()`` (the raw bulk insert) and COPY through
``portal.db.bulk_insert`` (how the job itself writes rows) — so the ratios say how close the job
gets to the cost of merely writing its output. Prints a table and writes
benchmarks/results/quantify.json.

    .venv/bin/python benchmarks/quantify.py [--sizes 10000 100000 1000000]
        [--backends sqlite postgresql] [--workers 1 2]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from benchmarks.harness import fresh_database, migrated_app, settle  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.activities.models import BehaviorRecord, Reduction  # noqa: E402
from portal.activities.quantify import quantify_pending  # noqa: E402
from portal.db import bulk_insert  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.methodology.models import Methodology  # noqa: E402
from portal.methodology.services import seed_filed_methodologies  # noqa: E402
from portal.scheduler.workers import worker_app_context  # noqa: E402

RECORDS_PER_USER = 20
CHUNK = 10_000
# (code, unit, quantity range in thousandths, parameters)
MIX = [
    ("JLCH-TR-008", "km", (3_000, 25_000), {}),
    ("JLCH-TR-007", "km", (2_000, 15_000), {}),
    ("JLCH-TR-003", "km", (1_000, 12_000), {}),
    ("JLCH-TR-001", "steps", (2_000_000, 15_000_000), {}),
    ("JLCH-TR-004", "km", (1_000, 6_000), {"is_ebike": "1"}),
    ("JLCH-HS-003", "kWh", (40_000, 80_000), {"baseline_kwh": "90"}),
    ("JLCH-HS-004", "kg", (500, 4_000), {}),
]


def add_users(count: int, first: int = 0) -> list[int]:
    """``count`` citizens numbered from ``first`` (phone 1 followed by the number), inserted
    in bulk; returns their ids."""
    now = datetime.now(UTC).replace(microsecond=0)
    db.session.execute(
        insert(User),
        [
            {
                "phone": f"1{n:010d}",
                "password_hash": "x",
                "display_name": f"u{n}",
                "city_code": "220100",
                "privacy_notice_version": "2026-11",
                "consented_at": now,
            }
            for n in range(first, first + count)
        ],
    )
    phones = [f"1{n:010d}" for n in (first, first + count - 1)]
    low, high = db.session.execute(
        select(func.min(User.id), func.max(User.id)).where(User.phone.in_(phones))
    ).one()
    return list(range(low, high + 1))


def add_records(size: int, user_ids: list[int], days: int = 20, seed: int = 7) -> None:
    """``size`` pending partner records of ``user_ids`` (picked at random) over the last
    ``days`` days, spread over the methodologies of ``MIX``, inserted in bulk (COPY on
    PostgreSQL; not through intake: this measures the job, not the API); commits."""
    now = datetime.now(UTC).replace(microsecond=0)
    ids = {m.code: m.id for m in db.session.scalars(select(Methodology))}
    rng = random.Random(seed)
    rows = []
    for n in range(size):
        code, unit, (low, high), params = MIX[n % len(MIX)]
        occurred = now - timedelta(days=rng.randint(1, days), minutes=rng.randint(0, 900))
        rows.append(
            {
                "user_id": user_ids[rng.randrange(len(user_ids))],
                "methodology_id": ids[code],
                "channel": "partner_api",
                "quantity_milli": rng.randint(low, high),
                "unit": unit,
                "parameters": params,
                "occurred_at": occurred,
                "status": "pending",
                "flags": [],
                "note": "",
                "review_code": "",
                "review_params": {},
                "created_at": now,
            }
        )
        if len(rows) == CHUNK:
            _insert_records(rows)
            rows = []
    if rows:
        _insert_records(rows)
    db.session.commit()


def _insert_records(rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    bulk_insert(BehaviorRecord.__table__, columns, [tuple(r.values()) for r in rows])


def fill(size: int) -> None:
    """Users (``RECORDS_PER_USER`` records each on average) and ``size`` pending records."""
    add_records(size, add_users(max(1, size // RECORDS_PER_USER)))


def _baseline(backend: str) -> dict[str, float]:
    """Bulk-insert the job's reduction rows into empty copies of the table (same indexes, no
    foreign keys), two ways, and return rows/s for each: ``insert`` is SQLAlchemy's ordinary
    executemany of ``insert()``; ``copy`` is ``portal.db.bulk_insert`` (COPY on PostgreSQL,
    the way the job itself writes)."""
    columns = [c.name for c in Reduction.__table__.columns if c.name != "id"]
    rows = [
        tuple(r) for r in db.session.execute(select(*[Reduction.__table__.c[c] for c in columns]))
    ]
    rates = {}
    for way in ("insert", "copy"):
        name = f"reductions_{way}"
        if backend == "postgresql":
            db.session.execute(text(f"CREATE TABLE {name} (LIKE reductions INCLUDING ALL)"))
        else:
            db.session.execute(text(f"CREATE TABLE {name} AS SELECT * FROM reductions WHERE 0"))
        settle(backend)
        copy = Reduction.__table__.to_metadata(db.MetaData(), name=name)
        started = time.perf_counter()
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            if way == "insert":
                db.session.execute(
                    insert(copy), [dict(zip(columns, r, strict=True)) for r in chunk]
                )
            else:
                bulk_insert(copy, columns, chunk)
            db.session.commit()
        rates[way] = len(rows) / (time.perf_counter() - started)
    return rates


def run(backend: str, size: int, workers: int, pg_url: str) -> dict[str, Any]:
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-quantify-')}/bench.db"
        else:
            url = stack.enter_context(fresh_database(pg_url, "quantify"))
        app = stack.enter_context(migrated_app(url))
        stack.enter_context(app.app_context())
        seed_filed_methodologies()
        fill(size)
        settle(backend)
        started = time.perf_counter()
        report = quantify_pending(
            points_per_kg=1000, workers=workers, worker_context=worker_app_context(app)
        )
        job_seconds = time.perf_counter() - started
        assert report.quantified + report.rejected == size, report
        rates = _baseline(backend)
    job_rate = size / job_seconds
    return {
        "backend": backend,
        "records": size,
        "workers": workers,
        "processes": report.processes,
        "quantified": report.quantified,
        "job_seconds": round(job_seconds, 2),
        "job_records_per_s": round(job_rate),
        "raw_insert_rows_per_s": round(rates["insert"]),
        "ratio_to_raw_insert": round(job_rate / rates["insert"], 3),
        "copy_rows_per_s": round(rates["copy"]),
        "ratio_to_copy": round(job_rate / rates["copy"], 3),
    }


def _print_row(row: dict[str, Any]) -> None:
    print(
        f"{row['backend']:<11}{row['records']:>10}{row['workers']:>8}{row['processes']:>10}"
        f"{row['job_seconds']:>9}"
        f"{row['job_records_per_s']:>11}{row['raw_insert_rows_per_s']:>15}"
        f"{row['ratio_to_raw_insert']:>8}{row['copy_rows_per_s']:>13}{row['ratio_to_copy']:>8}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/quantify.json"))
    args = parser.parse_args()
    results = []
    print(
        f"{'backend':<11}{'records':>10}{'workers':>8}{'processes':>10}{'job s':>9}"
        f"{'job rec/s':>11}{'insert rows/s':>15}{'ratio':>8}{'copy rows/s':>13}{'ratio':>8}"
    )
    for backend in args.backends:
        for size in args.sizes:
            for workers in sorted(set(args.workers)) if backend == "postgresql" else [1]:
                row = run(backend, size, workers, args.pg_url)
                results.append(row)
                _print_row(row)
    write_results(
        args.out,
        "quantify",
        results=results,
    )


if __name__ == "__main__":
    main()
