"""Benchmark the ``registry-pool`` job: N live saleable reductions of one methodology in one
past month (no batch holds any), one ``pool_reductions()`` timed on PostgreSQL: it must pool
10⁶ contributions (one ``INSERT … SELECT``, the sums, the sample draw) in at most 60 s.

Prints a table and writes benchmarks/results/pooling.json.

    .venv/bin/python benchmarks/pooling.py [--sizes 100000 1000000]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from benchmarks.harness import fresh_database, migrated_app, settle  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.market.pooling import pool_reductions  # noqa: E402
from portal.methodology.models import Methodology  # noqa: E402
from portal.methodology.services import seed_filed_methodologies  # noqa: E402

CODE = "JLCH-TR-006"
MONTH = datetime(2026, 9, 1, tzinfo=UTC)  # reductions on 2..29 September (UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)
# Reductions go in 10⁵ per transaction: the reduction totals' trigger updates one row per
# person and methodology, whose versions pile up in one long transaction.
PER_INSERT = 100_000
PEOPLE = 50_000


def _add_reductions(count: int) -> None:
    methodology = db.session.scalar(select(Methodology.id).where(Methodology.code == CODE))
    for first in range(0, count, PER_INSERT):
        db.session.execute(
            text(
                "INSERT INTO reductions (record_id, user_id, methodology_id, version_id, "
                "occurred_at, gross_grams, capped_grams, net_grams, points, capped_by, "
                "credited_quantity_milli, is_counted, is_saleable, parameters, snapshot_id, "
                "created_at) SELECT n, 1 + n % :people, :m, 1, "
                ":month + interval '1 day' + (n % 2400000) * interval '1 second', "
                "3000 + n % 5000, 0, 3000 + n % 5000, 3, NULL, 50000, true, true, '{}', 1, "
                ":month FROM generate_series(:first, :last) AS n"
            ),
            {
                "people": PEOPLE,
                "m": methodology,
                "month": MONTH,
                "first": first + 1,
                "last": min(first + PER_INSERT, count),
            },
        )
        db.session.commit()


def run(size: int, pg_url: str) -> dict[str, float]:
    with fresh_database(pg_url, "pooling") as url, migrated_app(url) as app, app.app_context():
        seed_filed_methodologies()
        _add_reductions(size)
        settle("postgresql")
        started = time.perf_counter()
        report = pool_reductions(now=NOW, delay_days=7, buffer_bp=500)
        seconds = time.perf_counter() - started
        assert report.contributions == size, report
        return {"reductions": size, "seconds": round(seconds, 2), "tonnes": report.tonnes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "pooling.json"))
    args = parser.parse_args()
    rows = [run(size, args.pg_url) for size in args.sizes]
    print(f"{'reductions':>12} {'seconds':>8} {'tonnes':>8}")
    for row in rows:
        print(f"{row['reductions']:>12,} {row['seconds']:>8} {row['tonnes']:>8,}")
    write_results(args.out, "pooling", postgresql=rows)


if __name__ == "__main__":
    main()
