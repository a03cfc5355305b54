"""Benchmark the points ledger on PostgreSQL: concurrent writers, sealing and verify, and
redemptions through the points mall's pages.

Three parts (``--parts``), each against a baseline measured in the same run:

* ``appends``: 1, 4 and 16 threads (``--threads``), each its own connection, append redemption
  postings (a citizen's points to one of four merchants, one posting per database transaction,
  as the points mall's redemption writes them) for ``--seconds`` each. Baseline: the same
  threads committing a one-row INSERT each (what a commit alone costs at that concurrency).
* ``verify``: for each size (10⁴, 10⁵, 10⁶ transactions by default) a fresh database is filled
  by COPY with unsealed transactions of two entries (issuance → citizen, 5 × 10⁴ citizens at
  most), then timed: ``seal`` (chaining them all), ``verify(full=True)``, ``record_checkpoint``,
  and, after 1 % more transactions are appended and sealed, ``verify()`` from that checkpoint.
  Baseline: one ``SELECT count(*), sum(points)`` over the entries (reading them once).
* ``http``: ``--clients`` (16) logged-in citizens redeeming over HTTP against gunicorn, each
  GET of the confirmation step and POST of it one redemption, then the anomaly check (no
  oversell, no negative balance, debits = vouchers × cost, verify passes after sealing).
  Baseline: /healthz requests per second from the same clients and workers, in alternating
  turns. See benchmarks/ledger_http.py.

Prints tables and writes benchmarks/results/ledger.json (the parts run).

    .venv/bin/python benchmarks/ledger.py [--parts appends verify http]
        [--sizes 10000 100000 1000000] [--threads 1 4 16] [--seconds 8]
        [--clients 16] [--http-seconds 15] [--rounds 3]
        [--gunicorn-workers 2] [--gunicorn-threads 8]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from benchmarks.harness import (  # noqa: E402
    DEFAULT_PG_URL,
    fresh_database,
    migrated_app,
    settle,
)
from benchmarks.ledger_http import run_http  # noqa: E402
from benchmarks.quantify import add_users  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from portal.db import bulk_insert, transaction  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.ledger import sealing, services, verification  # noqa: E402
from portal.ledger.models import AccountKind, LedgerEntry, LedgerTransaction  # noqa: E402
from portal.ledger.services import Posting  # noqa: E402

PARTS = ["appends", "verify", "http"]
MAX_CITIZENS = 50_000
CHUNK = 20_000


@contextmanager
def _database(pg_url: str, label: str) -> Iterator[Any]:
    with (
        fresh_database(pg_url, f"ledger_{label}") as url,
        migrated_app(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20}) as app,
    ):
        yield app


def _citizens(count: int) -> list[int]:
    """``count`` users with their points accounts; returns the account ids."""
    user_ids = add_users(count)
    with transaction():
        accounts = services.ensure_user_accounts(user_ids)
    return [accounts[user_id] for user_id in user_ids]


def _rate(threads: int, seconds: float, app: Any, work: Callable[[int, int], None]) -> float:
    """Calls of ``work(thread, i)`` per second over ``seconds``, from ``threads`` threads."""
    counts = [0] * threads
    stop = threading.Event()
    start = threading.Barrier(threads + 1)

    def worker(k: int) -> None:
        with app.app_context():
            start.wait()
            i = 0
            while not stop.is_set():
                work(k, i)
                i += 1
            counts[k] = i

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - began)


def run_appends(pg_url: str, threads: list[int], seconds: float) -> list[dict[str, Any]]:
    rows = []
    with _database(pg_url, "appends") as app, app.app_context():
        citizens = _citizens(400)
        with transaction():
            issuance = services.issuance_account_id()
            merchants = [services.owned_account_id(AccountKind.MERCHANT, n) for n in range(1, 5)]
            services.append(
                [
                    Posting(f"open:{a}", "opening", ((issuance, -(10**9)), (a, 10**9)))
                    for a in citizens
                ]
            )
        db.session.execute(text("CREATE TABLE commit_baseline (id bigserial, k text)"))
        settle("postgresql")

        def redeem(k: int, i: int) -> None:
            citizen = citizens[(k * 7919 + i) % len(citizens)]
            with transaction():
                services.append(
                    [
                        Posting(
                            f"redeem:{k}:{i}:{time.monotonic_ns()}",
                            "redemption",
                            ((citizen, -1), (merchants[i % 4], 1)),
                        )
                    ]
                )

        def commit_only(k: int, i: int) -> None:
            with transaction():
                db.session.execute(
                    text("INSERT INTO commit_baseline (k) VALUES (:k)"), {"k": f"{k}:{i}"}
                )

        for count in threads:
            appends = _rate(count, seconds, app, redeem)
            baseline = _rate(count, seconds, app, commit_only)
            rows.append(
                {
                    "threads": count,
                    "appends_per_s": round(appends),
                    "commits_per_s": round(baseline),
                    "ratio": round(appends / baseline, 3),
                }
            )
            print(
                f"{count:>8}{rows[-1]['appends_per_s']:>14}{rows[-1]['commits_per_s']:>14}"
                f"{rows[-1]['ratio']:>8}",
                flush=True,
            )
        sealing.seal()
        report = verification.verify()
        assert report.ok, report.problems[:5]
    return rows


def _fill(size: int, citizens: list[int], issuance: int, tag: str) -> None:
    """``size`` unsealed issue transactions by COPY, and the citizens' balances to match."""
    now = datetime.now(UTC)
    first = (db.session.scalar(select(func.max(LedgerTransaction.id))) or 0) + 1
    for start in range(0, size, CHUNK):
        count = min(CHUNK, size - start)
        ids = range(first + start, first + start + count)
        bulk_insert(
            LedgerTransaction.__table__,  # type: ignore[arg-type]
            ("id", "idempotency_key", "kind", "memo", "created_at"),
            ((tx_id, f"{tag}:{tx_id}", "reduction_credit", {"n": tx_id}, now) for tx_id in ids),
        )
        bulk_insert(
            LedgerEntry.__table__,  # type: ignore[arg-type]
            ("transaction_id", "account_id", "points"),
            (
                entry
                for tx_id in ids
                for entry in (
                    (tx_id, issuance, -(tx_id % 97 + 1)),
                    (tx_id, citizens[tx_id % len(citizens)], tx_id % 97 + 1),
                )
            ),
        )
        db.session.commit()
    db.session.execute(
        text(
            "SELECT setval(pg_get_serial_sequence('ledger_transactions', 'id'), "
            "(SELECT max(id) FROM ledger_transactions))"
        )
    )
    db.session.execute(
        text(
            "UPDATE ledger_accounts a SET balance = s.points FROM "
            "(SELECT account_id, sum(points) AS points FROM ledger_entries GROUP BY account_id) s "
            "WHERE a.id = s.account_id AND a.kind = 'user_points'"
        )
    )
    db.session.commit()


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def run_verify(pg_url: str, size: int) -> dict[str, Any]:
    with _database(pg_url, str(size)) as app, app.app_context():
        citizens = _citizens(min(MAX_CITIZENS, max(1, size // 20)))
        with transaction():
            issuance = services.issuance_account_id()
        _fill(size, citizens, issuance, "a")
        settle("postgresql")
        seal_s, sealed = _timed(sealing.seal)
        assert sealed == size
        settle("postgresql")
        scan_s, _ = _timed(
            lambda: db.session.execute(
                select(func.count(), func.sum(LedgerEntry.points)).select_from(LedgerEntry)
            ).one()
        )
        full_s, full = _timed(lambda: verification.verify(full=True))
        assert full.ok and full.transactions_checked == size, full.problems[:5]
        db.session.commit()
        checkpoint_s, result = _timed(verification.record_checkpoint)
        assert result.checkpoint_id is not None
        _fill(size // 100, citizens, issuance, "b")
        sealing.seal()
        settle("postgresql")
        since_s, since = _timed(verification.verify)
        assert since.ok and since.transactions_checked == size // 100, since.problems[:5]
        db.session.commit()
    return {
        "transactions": size,
        "citizens": len(citizens),
        "seal_s": round(seal_s, 2),
        "seal_tx_per_s": round(size / seal_s),
        "verify_full_s": round(full_s, 2),
        "entries_scan_s": round(scan_s, 3),
        "full_to_scan": round(full_s / scan_s, 1),
        "checkpoint_s": round(checkpoint_s, 2),
        "verify_since_checkpoint_s": round(since_s, 2),
    }


def _print_http(row: dict[str, Any]) -> None:
    print(
        f"{'clients':>8}{'redeemed':>10}{'refused':>9}{'redeem/s':>10}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'healthz/s':>11}{'p50 ms':>8}{'p95 ms':>8}{'ratio':>8}  anomalies"
    )
    print(
        f"{row['clients']:>8}{row['redemptions']:>10}{row['refused']:>9}"
        f"{row['redemptions_per_s']:>10}{row['redeem_p50_ms']:>8}{row['redeem_p95_ms']:>8}"
        f"{row['healthz_per_s']:>11}{row['healthz_p50_ms']:>8}{row['healthz_p95_ms']:>8}"
        f"{row['ratio_to_healthz']:>8}  {'; '.join(row['anomalies']) or 'none'}"
    )
    print(
        f"CPU ms per attempt: gunicorn {row['redeem_gunicorn_cpu_ms']}, postgres "
        f"{row['redeem_postgres_cpu_ms']}; per /healthz: gunicorn {row['healthz_gunicorn_cpu_ms']}"
        f", postgres {row['healthz_postgres_cpu_ms']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--http-seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=8)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/ledger.json"))
    args = parser.parse_args()
    sections: dict[str, Any] = {"parts": args.parts}
    if "appends" in args.parts:
        print(f"{'threads':>8}{'appends/s':>14}{'commits/s':>14}{'ratio':>8}")
        sections["appends"] = run_appends(args.pg_url, args.threads, args.seconds)
    if "verify" in args.parts:
        print(
            f"{'transactions':>13}{'seal s':>9}{'seal tx/s':>11}{'full verify s':>15}"
            f"{'scan s':>9}{'×scan':>7}{'checkpoint s':>14}{'verify +1% s':>14}"
        )
        sections["verify"] = []
        for size in args.sizes:
            row = run_verify(args.pg_url, size)
            sections["verify"].append(row)
            print(
                f"{row['transactions']:>13}{row['seal_s']:>9}{row['seal_tx_per_s']:>11}"
                f"{row['verify_full_s']:>15}{row['entries_scan_s']:>9}{row['full_to_scan']:>7}"
                f"{row['checkpoint_s']:>14}{row['verify_since_checkpoint_s']:>14}",
                flush=True,
            )
    if "http" in args.parts:
        sections["http"] = run_http(
            args.pg_url,
            args.clients,
            args.http_seconds,
            args.rounds,
            args.gunicorn_workers,
            args.gunicorn_threads,
        )
        _print_http(sections["http"])
    write_results(args.out, "ledger", **sections)


if __name__ == "__main__":
    main()
