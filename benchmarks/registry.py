"""Benchmark the registry on SQLite and PostgreSQL: ``flask registry verify``, the pooling job
and orders through the buyer pages, each against a baseline or aim measured in the same run.

Parts (``--parts``, space- or comma-separated), each filling a fresh database per size:

* ``verify``: for each size (10³, 10⁴, 10⁵ blocks) a database is filled in bulk (COPY on
  PostgreSQL) with issued batches of ``--blocks-per-batch`` blocks of ten tonnes each, in turn
  available, held, retired (one retirement per batch) and reserved (one order per batch), the
  buffer last, every batch's grams held by a contribution and issued by three officials — a
  registry ``verify`` passes. Then ``verify()`` (what ``flask registry verify`` runs) is
  timed, best of ``--verify-rounds``, against a baseline reading every block once
  (``SELECT count(*), sum(end − start + 1)``). Aim: 10⁵ blocks in at most 10 s.
* ``pooling``: ``pool_reductions()`` over 10⁴, 10⁵, 10⁶ unpooled reductions (SQLite up to
  ``--sqlite-pooling-max``); see benchmarks/registry_pooling.py. Aim: 10⁶ in at most 60 s.
* ``orders``: ``--clients`` (16) buyers ordering through the buyer pages against gunicorn on
  PostgreSQL, /healthz in alternating turns of the same run, then the anomaly check (no
  oversell, blocks still tile, reserved tonnes match orders); see benchmarks/registry_orders.py.

Each row notes the load average when it was measured (the machine may be shared). Prints one
table and writes benchmarks/results/registry.json.

    .venv/bin/python benchmarks/registry.py [--parts verify pooling orders]
        [--verify-sizes 1000 10000 100000] [--pooling-sizes 10000 100000 1000000]
        [--sqlite-pooling-max 100000] [--backends sqlite postgresql]
        [--blocks-per-batch 1000] [--verify-rounds 3]
        [--clients 16] [--http-seconds 15] [--rounds 3]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.harness import DEFAULT_PG_URL, fresh_database, migrated_app, settle  # noqa: E402
from benchmarks.quantify import add_users  # noqa: E402
from benchmarks.registry_orders import run_orders  # noqa: E402
from benchmarks.registry_pooling import time_pooling  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from portal.accounts.models import Organisation  # noqa: E402
from portal.db import bulk_insert  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.market.invariants import TONNES  # noqa: E402
from portal.market.models import (  # noqa: E402
    Batch,
    Contribution,
    Listing,
    Order,
    Retirement,
    SerialBlock,
)
from portal.market.verify import verify  # noqa: E402
from portal.methodology.models import Methodology  # noqa: E402
from portal.methodology.services import seed_filed_methodologies  # noqa: E402

BLOCK_TONNES = 10
BUFFER_BP = 500
NOW = datetime.now(UTC).replace(microsecond=0)
CYCLE = ("available", "held", "retired", "reserved")  # the states of a batch's blocks in turn
BLOCK_COLUMNS = [
    "batch_id", "start_serial", "end_serial", "state", "holder_org_id", "order_id",
    "retirement_id", "created_at", "updated_at",
]  # fmt: skip


@contextmanager
def _app(backend: str, pg_url: str) -> Iterator[Any]:
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        else:
            url = stack.enter_context(fresh_database(pg_url, "registry"))
        app = stack.enter_context(migrated_app(url))
        with app.app_context():
            yield app


def _buffer(sold: int) -> tuple[int, int]:
    """The total and buffer tonnes of a batch whose non-buffer serials are ``sold`` tonnes:
    the smallest buffer with buffer = ⌈total × 5 %⌉."""
    buffer = 0
    while buffer * 10_000 < (sold + buffer) * BUFFER_BP:
        buffer += 1
    return sold + buffer, buffer


def add_issued_batches(batches: int, blocks_per_batch: int) -> int:
    """``batches`` issued batches of ``blocks_per_batch`` blocks (the last the buffer) that
    ``verify`` passes, with their orders, retirements and contributions; returns the blocks
    written. Commits."""
    seed_filed_methodologies()
    methodology = db.session.scalars(
        select(Methodology).where(Methodology.code == "JLCH-TV-001")
    ).one()
    sampler, verifier, issuer = add_users(3, first=900_000)
    buyer = Organisation(name_zh="基准买方", name_en="Benchmark buyer", kind="enterprise")
    buyer.city_code = "220100"
    db.session.add(buyer)
    db.session.flush()
    sold = (blocks_per_batch - 1) * BLOCK_TONNES
    total, buffer = _buffer(sold)
    counts = {state: len(range(i, blocks_per_batch - 1, 4)) for i, state in enumerate(CYCLE)}
    rows: list[tuple[Any, ...]] = []
    for n in range(1, batches + 1):
        batch = Batch(
            methodology_id=methodology.id, methodology_code=methodology.code, vintage=202610,
            batch_no=n, status="issued", contribution_count=1, contributor_count=1,
            contributed_grams=total * 10**6, pooled_grams=total * 10**6, buffer_bp=BUFFER_BP,
            total_tonnes=total, buffer_tonnes=buffer, issued_tonnes=sold, sample_seed=f"{n:032x}",
            sample_rule="sqrt", sampled_by_id=sampler, verified_by_id=verifier,
            issued_by_id=issuer, issued_at=NOW,
        )  # fmt: skip
        db.session.add(batch)
        db.session.flush()
        db.session.add(
            Contribution(batch_id=batch.id, reduction_id=n, record_id=n, user_id=sampler,
                         grams=total * 10**6)
        )  # fmt: skip
        order, retirement = _trades(batch.id, buyer.id, sampler, counts)
        rows += _blocks(batch.id, blocks_per_batch, buyer.id, order, retirement, buffer)
    bulk_insert(SerialBlock.__table__, BLOCK_COLUMNS, rows)  # type: ignore[arg-type]
    db.session.commit()
    return len(rows)


def _trades(batch_id: int, buyer_id: int, user_id: int, counts: dict[str, int]) -> tuple[int, int]:
    """A batch's reserved order and its retirement, sized to the blocks ``counts`` says."""
    listing = Listing(batch_id=batch_id, price_fen_per_tonne=100, listed_by_id=user_id)
    db.session.add(listing)
    db.session.flush()
    reserved = counts["reserved"] * BLOCK_TONNES
    order = Order(
        listing_id=listing.id, batch_id=batch_id, buyer_org_id=buyer_id, ordered_by_id=user_id,
        tonnes=reserved, price_fen_per_tonne=100, amount_fen=reserved * 100,
        idempotency_key=f"bench-order-{batch_id}", expires_at=NOW + timedelta(hours=1),
    )  # fmt: skip
    retirement = Retirement(
        code=f"bench{batch_id}", holder_org_id=buyer_id, retired_by_id=user_id,
        tonnes=counts["retired"] * BLOCK_TONNES, purpose="voluntary", beneficiary_zh="基准",
        beneficiary_en="Benchmark", idempotency_key=f"bench-retire-{batch_id}",
    )  # fmt: skip
    db.session.add_all([order, retirement])
    db.session.flush()
    return order.id, retirement.id


def _blocks(
    batch_id: int, count: int, buyer: int, order: int, retirement: int, buffer: int
) -> Iterator[tuple[Any, ...]]:
    for i in range(count - 1):
        state = CYCLE[i % 4]
        start = i * BLOCK_TONNES + 1
        holder = buyer if state in ("held", "retired") else None
        yield (batch_id, start, start + BLOCK_TONNES - 1, state, holder,
               order if state == "reserved" else None,
               retirement if state == "retired" else None, NOW, NOW)  # fmt: skip
    start = (count - 1) * BLOCK_TONNES + 1
    yield (batch_id, start, start + buffer - 1, "buffer", None, None, None, NOW, NOW)


def _best(rounds: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(rounds):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
        db.session.rollback()
    return best, result


def time_verify(backend: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """The ``verify`` part for one size on the database of the current app."""
    per_batch = min(args.blocks_per_batch, size)
    written = add_issued_batches(max(1, size // per_batch), per_batch)
    settle(backend)
    baseline, _ = _best(
        args.verify_rounds,
        lambda: db.session.execute(select(func.count(), func.sum(TONNES))).one(),
    )
    seconds, report = _best(args.verify_rounds, verify)
    if not report.ok:
        raise RuntimeError(f"verify found faults in generated data: {report.faults[:3]}")
    return {
        "backend": backend,
        "blocks": written,
        "batches": report.counts["issued_batches"],
        "seconds": round(seconds, 3),
        "baseline_seconds": round(baseline, 3),
        "rows_per_second": round(written / seconds),
        "us_per_row": round(seconds / written * 1e6, 2),
    }


SIZED_PARTS: dict[str, Callable[[str, int, argparse.Namespace], dict[str, Any]]] = {
    "verify": time_verify,
    "pooling": time_pooling,
}
PARTS = [*SIZED_PARTS, "orders"]
AIMS = {  # part: (size, at most seconds on every backend measured)
    "verify": (100_000, 10.0),
    "pooling": (1_000_000, 60.0),
}


def _load() -> list[float]:
    return [round(figure, 2) for figure in os.getloadavg()]


def _sizes(part: str, backend: str, args: argparse.Namespace) -> list[int]:
    if part == "verify":
        return list(args.verify_sizes)
    if backend == "sqlite":
        return [size for size in args.pooling_sizes if size <= args.sqlite_pooling_max]
    return list(args.pooling_sizes)


def _run_sized(part: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    for backend in args.backends:
        for size in _sizes(part, backend, args):
            load = _load()
            with _app(backend, args.pg_url):
                row = SIZED_PARTS[part](backend, size, args)
            rows.append({"part": part, **row, "load_average": load})
            print(rows[-1], flush=True)
    return rows


def _aims(sections: dict[str, Any]) -> dict[str, Any]:
    """Each aim of the parts run: the figure measured and whether it is met."""
    aims: dict[str, Any] = {}
    for part, (size, limit) in AIMS.items():
        for row in sections.get(part, []):
            if row.get("blocks", row.get("contributions")) == size:
                aims[f"{part}_{size}_{row['backend']}"] = {
                    "seconds": row["seconds"],
                    "at_most": limit,
                    "met": row["seconds"] <= limit,
                }
    if "orders" in sections:
        aims["orders_no_anomaly"] = {"met": not sections["orders"]["anomalies"]}
    return aims


def _print_table(sections: dict[str, Any]) -> None:
    sized = sections.get("verify", []) + sections.get("pooling", [])
    if sized:
        print(
            f"\n{'part':<9}{'backend':<12}{'rows':>9}{'seconds':>10}{'rows/s':>10}{'µs/row':>9}"
            f"{'baseline s':>12}  load"
        )
    for row in sized:
        size = row.get("blocks", row.get("contributions"))
        print(
            f"{row['part']:<9}{row['backend']:<12}{size:>9}{row['seconds']:>10}"
            f"{row['rows_per_second']:>10}{row['us_per_row']:>9}"
            f"{row.get('baseline_seconds', '—'):>12}  {row['load_average'][0]}"
        )
    if "orders" in sections:
        o = sections["orders"]
        print(
            f"\n{'orders':<9}{'clients':>8}{'orders':>8}{'refused':>8}{'orders/s':>9}"
            f"{'tries/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'healthz/s':>10}{'p50 ms':>8}"
            f"{'p95 ms':>8}{'ratio':>7}  load"
        )
        print(
            f"{'':<9}{o['clients']:>8}{o['orders']:>8}{o['refused']:>8}{o['orders_per_s']:>9}"
            f"{o['attempt_per_s']:>9}{o['attempt_p50_ms']:>8}{o['attempt_p95_ms']:>8}"
            f"{o['healthz_per_s']:>10}{o['healthz_p50_ms']:>8}{o['healthz_p95_ms']:>8}"
            f"{o['ratio_to_healthz']:>7}  {o['load_average'][0]}"
        )
        print(
            f"CPU ms per attempt: gunicorn {o['attempt_gunicorn_cpu_ms']}, postgres "
            f"{o['attempt_postgres_cpu_ms']}; per /healthz: gunicorn "
            f"{o['healthz_gunicorn_cpu_ms']}, postgres {o['healthz_postgres_cpu_ms']}; "
            f"anomalies: {'; '.join(o['anomalies']) or 'none'}"
        )
    for name, aim in sections["aims"].items():
        print(f"aim {name}: {'met' if aim['met'] else 'NOT MET'} {aim.get('seconds', '')}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=PARTS)
    parser.add_argument("--verify-sizes", nargs="+", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument(
        "--pooling-sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000]
    )
    parser.add_argument("--sqlite-pooling-max", type=int, default=100_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--blocks-per-batch", type=int, default=1_000)
    parser.add_argument("--verify-rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--http-seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/registry.json"))
    args = parser.parse_args()
    args.parts = [part for given in args.parts for part in given.split(",") if part]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}: choose from {PARTS}")
    return args


def main() -> None:
    args = _arguments()
    sections: dict[str, Any] = {"parts": args.parts, "load_average": {"start": _load()}}
    for part in SIZED_PARTS:
        if part in args.parts:
            sections[part] = _run_sized(part, args)
    if "orders" in args.parts:
        load = _load()
        row = run_orders(args.pg_url, args.clients, args.http_seconds, args.rounds)
        sections["orders"] = {**row, "load_average": load}
    sections["load_average"]["end"] = _load()
    sections["aims"] = _aims(sections)
    _print_table(sections)
    settings = {
        "blocks_per_batch": args.blocks_per_batch,
        "verify_rounds": args.verify_rounds,
        "http_rounds": args.rounds,
    }
    write_results(args.out, "registry", settings=settings, **sections)


if __name__ == "__main__":
    main()
