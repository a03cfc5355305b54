"""Benchmark the ``leaderboards`` job: N citizens with ten live reductions each (spread over
the last 40 days, so the week, month and all-time boards differ; every other one listed, one
in ten under 14, five districts), one ``build_leaderboards()`` timed, on SQLite and
PostgreSQL; seconds and snapshot rows written per second. Then, on the largest PostgreSQL
database, gunicorn with ``--gunicorn-workers`` (2) serves the app and ``/leaderboards`` (and
its all-time page 500) is loaded in turns with ``/healthz`` (``benchmarks/pages.py``'s load
generator), p95 against p95.

Prints a table and writes benchmarks/results/leaderboards.json.

    .venv/bin/python benchmarks/leaderboards.py [--sizes 10000 100000 1000000]
        [--backends sqlite postgresql] [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--seconds 6] [--rounds 3] [--connections 4] [--gunicorn-workers 2]
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

from sqlalchemy import case, select, update  # noqa: E402

from benchmarks.harness import fresh_database, gunicorn, migrated_app, settle  # noqa: E402
from benchmarks.pages import PORT, SECRET, _measure  # noqa: E402
from benchmarks.quantify import add_users  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.activities.models import Reduction  # noqa: E402
from portal.db import bulk_insert  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.gamification.leaderboards.services import build_leaderboards  # noqa: E402
from portal.methodology.models import Methodology, MethodologyVersion  # noqa: E402
from portal.methodology.services import seed_filed_methodologies  # noqa: E402

PER_USER = 10
# Users go in 10⁴ per transaction: each one bumps the users counter row (a trigger), and one
# transaction's versions of that row pile up on PostgreSQL (10⁶ in one took over ten minutes).
USERS_PER_INSERT = 10_000
NOW = datetime.now(UTC).replace(microsecond=0)
DISTRICTS = ["朝阳区", "南关区", "宽城区", "二道区", "绿园区"]


@contextmanager
def _app(backend: str, pg_url: str) -> Iterator[tuple[Any, str]]:
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        else:
            url = stack.enter_context(fresh_database(pg_url, "leaderboards"))
        app = stack.enter_context(migrated_app(url, SECRET_KEY=SECRET))
        with app.app_context():
            yield app, url


def _fill(people: int) -> None:
    seed_filed_methodologies()
    methodology, version = db.session.execute(
        select(Methodology.id, MethodologyVersion.id)
        .join(MethodologyVersion, MethodologyVersion.methodology_id == Methodology.id)
        .where(Methodology.code == "JLCH-TR-003")
        .order_by(MethodologyVersion.version_no.desc())
        .limit(1)
    ).one()
    user_ids: list[int] = []
    for first in range(0, people, USERS_PER_INSERT):
        user_ids += add_users(min(USERS_PER_INSERT, people - first), first=first)
        db.session.commit()
    db.session.execute(
        update(User).values(
            is_publicly_listed=(User.id % 2 == 0),
            birth_year=case((User.id % 10 == 0, NOW.year - 10), else_=1990),
            district=case(*((User.id % 6 == n, d) for n, d in enumerate(DISTRICTS)), else_=None),
        )
    )
    columns = [
        "record_id", "user_id", "methodology_id", "version_id", "occurred_at", "gross_grams",
        "capped_grams", "net_grams", "points", "credited_quantity_milli", "is_counted",
        "is_saleable", "parameters", "snapshot_id", "created_at",
    ]  # fmt: skip

    def rows() -> Iterator[tuple[Any, ...]]:
        n = 0
        for u in user_ids:
            for d in range(PER_USER):
                n += 1
                grams = (u * 7 + d * 13) % 500 + 1
                at = NOW - timedelta(days=(u + d * 4) % 40, minutes=u % 600)
                yield (n, u, methodology, version, at, grams, 0, grams, grams, 4000, True,
                       False, "{}", 1, at)  # fmt: skip

    bulk_insert(Reduction.__table__, columns, rows(), as_text={"parameters"})  # type: ignore[arg-type]
    db.session.commit()


def _rebuild(backend: str, people: int) -> dict[str, Any]:
    _fill(people)
    settle(backend)
    started = time.perf_counter()
    build = build_leaderboards()
    seconds = time.perf_counter() - started
    return {
        "backend": backend,
        "people": people,
        "reductions": people * PER_USER,
        "snapshot_rows": build.rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(build.rows / seconds),
        "reductions_per_second": round(people * PER_USER / seconds),
    }


def _pages(url: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    settle("postgresql")
    rows = []
    with gunicorn(url, PORT, ["-w", str(args.gunicorn_workers)], env={"SECRET_KEY": SECRET}):
        for name, path in (
            ("/leaderboards", "/leaderboards"),
            ("/leaderboards all-time page 500", "/leaderboards?board=person&period=all&page=500"),
        ):
            figures, _ = _measure(path, "", args)
            rows.append({"page": name, **figures})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/leaderboards.json"))
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    for backend in args.backends:
        for people in args.sizes:
            with _app(backend, args.pg_url) as (_, url):
                results.append(_rebuild(backend, people))
                print(results[-1], flush=True)
                if backend == "postgresql" and people == max(args.sizes):
                    db.session.remove()
                    pages = [{"people": people, **r} for r in _pages(url, args)]
                    print(pages, flush=True)
    print(f"{'backend':<11}{'people':>9}{'rows':>10}{'seconds':>9}{'rows/s':>10}")
    for r in results:
        print(
            f"{r['backend']:<11}{r['people']:>9}{r['snapshot_rows']:>10}{r['seconds']:>9}"
            f"{r['rows_per_second']:>10}"
        )
    for p in pages:
        print(f"{p['page']:<34} p95 {p['p95_ms']} ms, /healthz p95 {p['healthz_p95_ms']} ms, "
              f"ratio {p['p95_to_healthz']}")  # fmt: skip
    write_results(
        args.out,
        "leaderboards",
        settings={
            "seconds": args.seconds,
            "rounds": args.rounds,
            "connections": args.connections,
            "gunicorn_workers": args.gunicorn_workers,
        },
        rebuilds=results,
        pages=pages,
    )


if __name__ == "__main__":
    main()
