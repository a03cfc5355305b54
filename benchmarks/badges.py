"""Benchmark the ``badges`` job: N citizens with ten credited reductions each (bicycle rides on
ten consecutive days, so each earns six tiers: bronze and silver of first record and streak,
bronze cyclist and reducer), all queued by the reductions' triggers; one ``evaluate_badges()``
run timed, then a rerun with everyone queued again and nothing new to award (the steady
state), on SQLite and PostgreSQL. Baseline: one ``SELECT count(*), sum(net_grams)`` over the
reductions (reading them once).

Prints a table and writes benchmarks/results/badges.json.

    .venv/bin/python benchmarks/badges.py [--sizes 10000] [--backends sqlite postgresql]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from benchmarks.harness import fresh_database, migrated_app  # noqa: E402
from benchmarks.quantify import add_users  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from portal.activities.models import Reduction  # noqa: E402
from portal.db import bulk_insert  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.gamification.services import evaluate_badges  # noqa: E402
from portal.methodology.models import Methodology, MethodologyVersion  # noqa: E402
from portal.methodology.services import seed_filed_methodologies  # noqa: E402

DAYS = 10
START = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
# One 4 km ride of 400 g, credited in full (the per-row keys and day are filled in).
ROW: dict[str, Any] = {
    "record_id": 0,
    "user_id": 0,
    "methodology_id": 0,
    "version_id": 0,
    "occurred_at": START,
    "gross_grams": 400,
    "capped_grams": 0,
    "net_grams": 400,
    "points": 400,
    "credited_quantity_milli": 4000,
    "is_counted": True,
    "is_saleable": False,
    "parameters": "{}",
    "snapshot_id": 1,
    "created_at": START,
}


@contextmanager
def _app(backend: str, pg_url: str) -> Iterator[Any]:
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        else:
            url = stack.enter_context(fresh_database(pg_url, "badges"))
        app = stack.enter_context(migrated_app(url))
        with app.app_context():
            yield app


def _fill(people: int) -> None:
    seed_filed_methodologies()
    methodology, version = db.session.execute(
        select(Methodology.id, MethodologyVersion.id)
        .join(MethodologyVersion, MethodologyVersion.methodology_id == Methodology.id)
        .where(Methodology.code == "JLCH-TR-003")
        .order_by(MethodologyVersion.version_no.desc())
        .limit(1)
    ).one()
    user_ids = add_users(people)
    columns = [c.name for c in Reduction.__table__.columns if c.name in ROW]
    rows = (
        tuple(
            {
                **ROW,
                "record_id": n,
                "user_id": u,
                "methodology_id": methodology,
                "version_id": version,
                "occurred_at": START + timedelta(days=d),
            }[c]
            for c in columns
        )
        for n, (u, d) in enumerate(((u, d) for u in user_ids for d in range(DAYS)), 1)
    )
    bulk_insert(Reduction.__table__, columns, rows, as_text={"parameters"})  # type: ignore[arg-type]
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def _measure(backend: str, people: int, pg_url: str) -> dict[str, Any]:
    with _app(backend, pg_url):
        _fill(people)
        started = time.perf_counter()
        db.session.execute(select(func.count(), func.sum(Reduction.net_grams))).one()
        baseline = time.perf_counter() - started
        db.session.commit()
        started = time.perf_counter()
        run = evaluate_badges()
        seconds = time.perf_counter() - started
        assert run.people == people and run.awarded == 6 * people, run
        # Everyone queued again (new activity that earns nothing new): the steady state.
        db.session.execute(
            text("INSERT INTO badge_queue (user_id, queued_at) SELECT id, created_at FROM users")
        )
        db.session.commit()
        started = time.perf_counter()
        again = evaluate_badges()
        rerun = time.perf_counter() - started
        assert again.people == people and again.awarded == 0, again
    return {
        "backend": backend,
        "people": people,
        "reductions": people * DAYS,
        "awarded": run.awarded,
        "batches": run.batches,
        "seconds": round(seconds, 2),
        "people_per_second": round(people / seconds),
        "rerun_seconds": round(rerun, 2),
        "baseline_read_seconds": round(baseline, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "badges.json"))
    args = parser.parse_args()
    results = [_measure(b, n, args.pg_url) for b in args.backends for n in args.sizes]
    print(
        f"{'backend':<11}{'people':>9}{'awards':>9}{'seconds':>9}{'people/s':>10}"
        f"{'rerun s':>9}{'read s':>8}"
    )
    for r in results:
        print(
            f"{r['backend']:<11}{r['people']:>9}{r['awarded']:>9}{r['seconds']:>9}"
            f"{r['people_per_second']:>10}{r['rerun_seconds']:>9}{r['baseline_read_seconds']:>8}"
        )
    write_results(args.out, "badges", runs=results)


if __name__ == "__main__":
    main()
