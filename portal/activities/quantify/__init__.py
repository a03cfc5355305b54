"""The quantify job: pending behaviour records become reductions and carbon points.

Each batch is one database transaction: claim pending records person by person
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runners never take the same record; SQLite's
``BEGIN IMMEDIATE`` serialises writers), quantify each by the version in force at its
``occurred_at``, apply the person's caps in order of ``occurred_at`` against their cap usage,
write the reductions, mark the records and credit the points through the ledger. Killing the
job at any point rolls back the open batch: nothing is credited twice and no record is lost.

Points are credited by one ledger posting per batch — one entry per citizen (the sum of their
reductions' points) against the issuance account — and every reduction stores the id of that
ledger transaction. A reduction is written at most once per record (unique ``record_id``) and
in the same transaction as its credit, so each reduction is credited exactly once; the posting's
idempotency key names the batch's records.

The work per batch is a fixed handful of statements whatever its size: on PostgreSQL the rows
are written with COPY and the per-row updates go through arrays (``unnest``), so the job costs
little more than writing its output.

The modules, in the order a batch runs them:

- ``claim``: taking pending records out of the queue;
- ``quantities``: each record quantified by its version (before caps), or rejected;
- ``cap_usage``: reading and writing cap usage, and the check that no one moved it meanwhile;
- ``capping``: each person's records capped in time order against that usage;
- ``crediting``: the ledger posting of the batch's points;
- ``batch``: ``quantify_batch``, the public service that runs all of it in one transaction;
- ``loop``: batch after batch in one process; ``pool``: loops in worker processes;
- ``pending``: ``quantify_pending``, the job itself, in this process or a pool;
- ``run_state``: what a run prepares once and keeps from batch to batch.

Callers import from the package: ``quantify_pending``, ``quantify_batch``, ``QuantifyReport``.
"""

from portal.activities.quantify.batch import QuantifyReport, quantify_batch
from portal.activities.quantify.pending import quantify_pending
from portal.activities.quantify.pool import WorkerContext

__all__ = ["QuantifyReport", "WorkerContext", "quantify_batch", "quantify_pending"]
