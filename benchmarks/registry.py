"""Benchmark the registry: ``flask registry verify`` over 10³, 10⁴ and 10⁵ serial blocks.

Parts (``--parts``; more are meant to be added beside ``verify`` as functions named for what
they time, e.g. pooling contributions into batches or reserving and paying orders, each
taking the filled database and returning its rows for the table):

* ``verify``: for each size a fresh database is filled in bulk (COPY on PostgreSQL) with
  issued batches of ``--blocks-per-batch`` blocks of ten tonnes each, in turn available,
  held, retired (one retirement per batch) and reserved (one order per batch), the buffer
  last, every batch's grams held by a contribution and issued by three officials — a
  registry ``verify`` passes. Then ``verify()`` (what ``flask registry verify`` runs) is
  timed, best of ``--rounds``, against a baseline reading every block once
  (``SELECT count(*), sum(end − start + 1)``).

Prints a table and writes benchmarks/results/registry.json.

    .venv/bin/python benchmarks/registry.py [--parts verify] [--sizes 1000 10000 100000]
        [--backends sqlite postgresql] [--blocks-per-batch 1000] [--rounds 3]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
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
        args.rounds,
        lambda: db.session.execute(select(func.count(), func.sum(TONNES))).one(),
    )
    seconds, report = _best(args.rounds, verify)
    if not report.ok:
        raise RuntimeError(f"verify found faults in generated data: {report.faults[:3]}")
    return {
        "backend": backend,
        "blocks": written,
        "batches": report.counts["issued_batches"],
        "verify_seconds": round(seconds, 3),
        "baseline_seconds": round(baseline, 3),
        "blocks_per_second": round(written / seconds),
    }


PARTS: dict[str, Callable[[str, int, argparse.Namespace], dict[str, Any]]] = {
    "verify": time_verify,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=list(PARTS), default=list(PARTS))
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--blocks-per-batch", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/registry.json"))
    args = parser.parse_args()
    results: dict[str, list[dict[str, Any]]] = {part: [] for part in args.parts}
    for part in args.parts:
        for backend in args.backends:
            for size in args.sizes:
                with _app(backend, args.pg_url):
                    results[part].append(PARTS[part](backend, size, args))
                print(results[part][-1], flush=True)
    header = ("backend", "blocks", "batches", "verify s", "read s", "blocks/s")
    print(f"{header[0]:<11}" + "".join(f"{name:>10}" for name in header[1:]))
    for r in results.get("verify", []):
        print(
            f"{r['backend']:<11}{r['blocks']:>10}{r['batches']:>10}{r['verify_seconds']:>10}"
            f"{r['baseline_seconds']:>10}{r['blocks_per_second']:>10}"
        )
    write_results(
        args.out,
        "registry",
        settings={"blocks_per_batch": args.blocks_per_batch, "rounds": args.rounds},
        **results,
    )


if __name__ == "__main__":
    main()
