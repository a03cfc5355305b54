"""The quantify loop: batch after batch in this process, each batch its own transaction.

Not a command itself: it keeps the run's state and calls ``batch.quantify_batch`` (which owns
and commits each batch's transaction) until the queue is empty, running a batch again when
another transaction moved its cap usage.
"""

from __future__ import annotations

import gc

from portal.activities.quantify.batch import QuantifyReport, quantify_batch
from portal.activities.quantify.cap_usage import UsageMoved
from portal.activities.quantify.claim import Cursor, Share
from portal.activities.quantify.run_state import RunState

MAX_RETRIES = 100  # times in a row a batch is run again before the run gives up


def run_batches(
    points_per_kg: int, batch_size: int, max_batches: int | None, share: Share | None
) -> QuantifyReport:
    """Run batches until none is left (or ``max_batches``); ``share`` = (k, n) limits the run to
    the records of users whose id is k modulo n."""
    run = RunState(points_per_kg)
    report = QuantifyReport()
    after: Cursor = (0, 0)
    retries = 0
    # Each batch makes and drops some twenty objects per record. The cyclic garbage collector
    # would walk every object of the application (hundreds of thousands: the ORM, the app,
    # the caches) each time it looks at the oldest generation, which cost about a third of the
    # job's Python time; objects alive now are set aside from it for the run (gc.freeze),
    # unless something else in the process froze them already (then it is theirs to undo).
    froze = gc.get_freeze_count() == 0
    if froze:
        gc.freeze()
    try:
        while max_batches is None or report.batches < max_batches:
            try:
                done = quantify_batch(run, batch_size, after, share)
            except UsageMoved:
                retries += 1
                if retries > MAX_RETRIES:
                    raise
                run.forget_writes()
                continue
            if done is None:
                break
            retries = 0
            after, batch = done
            report.add(batch)
    finally:
        if froze:
            gc.unfreeze()
    return report
