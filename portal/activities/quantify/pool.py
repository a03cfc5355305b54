"""The process pool: quantify loops side by side in fresh processes, each over its share.

The domain does not build an app: whoever runs the job (the scheduler layer, or a benchmark)
passes a ``WorkerContext`` that sets up database access in the fresh process. The workers are
spawned, not forked (the scheduler runs threads), so the context travels by pickling.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager

from portal.activities.quantify.batch import QuantifyReport
from portal.activities.quantify.claim import Share
from portal.activities.quantify.loop import run_batches

# Called in a fresh process, returns a context inside which ``portal.db.session()`` reaches the
# run's database and which releases its connections on leaving. Must pickle: a module-level
# function, or a functools.partial of one over plain values (portal.scheduler.workers has one).
WorkerContext = Callable[[], AbstractContextManager[object]]


def run_in_processes(
    points_per_kg: int, batch_size: int, workers: int, worker_context: WorkerContext
) -> QuantifyReport:
    """Run ``workers`` quantify loops in fresh processes, each entering ``worker_context`` and
    taking its share of the users (so their cap usage never collides), and sum their reports.
    A worker that fails makes the run fail once all have stopped (its own open batch is rolled
    back; every committed batch stands). The caller holds no open transaction meanwhile."""
    context = multiprocessing.get_context("spawn")  # no fork: the scheduler runs threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_worker, worker_context, points_per_kg, batch_size, (k, workers))
            for k in range(workers)
        ]
        reports = [future.result() for future in futures]
    report = QuantifyReport(processes=workers)
    for each in reports:
        report.add(each)
    return report


def _worker(
    worker_context: WorkerContext, points_per_kg: int, batch_size: int, share: Share
) -> QuantifyReport:
    with worker_context():
        return run_batches(points_per_kg, batch_size, None, share)
