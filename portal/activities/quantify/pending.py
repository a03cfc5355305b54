"""``quantify_pending``: the quantify job, every pending record in this process or a pool.

A job, not a command: each batch is its own transaction (``batch.quantify_batch``), so a
killed run keeps the batches it committed.
"""

from __future__ import annotations

from portal.activities.quantify.batch import BATCH_SIZE, QuantifyReport
from portal.activities.quantify.claim import count_pending
from portal.activities.quantify.loop import run_batches
from portal.activities.quantify.pool import WorkerContext, run_in_processes
from portal.activities.quantify.run_state import is_postgresql
from portal.db import transaction

# Below this many pending records a run stays in its own process: starting a worker (a fresh
# interpreter and app) costs about a second.
PARALLEL_FROM = 4 * BATCH_SIZE


def quantify_pending(
    *,
    points_per_kg: int,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    workers: int = 1,
    worker_context: WorkerContext | None = None,
) -> QuantifyReport:
    """Quantify every pending record, a batch (one transaction) at a time.

    ``points_per_kg`` is the platform setting (1000 = one point per gram). Runs until no pending
    record is left or ``max_batches`` batches are done. Safe to run twice at once and to kill.
    A batch whose cap usage another runner changed meanwhile is rolled back and run again
    (each time because another transaction committed, so some runner always progresses), up to
    ``MAX_RETRIES`` times in a row.

    ``workers`` > 1 (the ``QUANTIFY_WORKERS`` setting) runs that many processes side by side on
    PostgreSQL when at least ``PARALLEL_FROM`` records are pending: they claim disjoint batches
    (``SKIP LOCKED``), each over its share of the users, each inside ``worker_context`` (see
    ``pool.WorkerContext``; required then). SQLite, whose writers take turns, and
    ``max_batches`` runs stay in this process. For the scheduler's quantify job, the CLI, the
    demo data and tests; call it outside any transaction.
    """
    if points_per_kg <= 0:
        raise ValueError("points_per_kg must be a positive integer")
    if workers > 1 and worker_context is None:
        raise ValueError("workers > 1 needs a worker_context to start the worker processes")
    if workers > 1 and max_batches is None and is_postgresql():
        with transaction():  # a read, ended here rather than left open while workers run
            pending = count_pending()
        if pending >= PARALLEL_FROM and worker_context is not None:
            return run_in_processes(points_per_kg, batch_size, workers, worker_context)
    return run_batches(points_per_kg, batch_size, max_batches, share=None)
