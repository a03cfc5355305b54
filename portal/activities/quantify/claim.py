"""Claiming pending records: the first step of a quantify batch (flush-only, in its transaction).

A claim reads the next queue rows person by person, marks those records quantified (locked
with ``FOR NO KEY UPDATE SKIP LOCKED`` on PostgreSQL, so two runners never take the same one)
and takes their rows out of the queue; a batch that rolls back leaves them pending and queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import (
    Table,
    Text,
    any_,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.sql.elements import ColumnClause, ColumnElement

from portal.activities.models import BehaviorRecord, RecordQueue, RecordStatus
from portal.activities.quantify.run_state import is_postgresql
from portal.db import IntArray, session
from portal.methodology.models import Methodology, MethodologyStatus

_RECORDS = cast(Table, BehaviorRecord.__table__)
_QUEUE = cast(Table, RecordQueue.__table__)

Cursor = tuple[int, int]  # (user id, record id) of the last queue row a batch read
Share = tuple[int, int]  # (k, n): the records of users whose id is k modulo n


def claim_pending(
    limit: int, after: Cursor, share: Share | None
) -> tuple[Cursor | None, Sequence[Sequence[Any]]]:
    """Take the next pending records of methodologies not suspended, person by person (in order
    of user id, then record id) from ``after`` on: mark them quantified and take them out of the
    queue. Return the last queue row read (None when the queue holds nothing after ``after``)
    and the records taken, in that order, as (id, user, methodology, quantity_milli, unit,
    parameters as JSON text, occurred_at). A record the batch then rejects is marked again; a
    batch that fails rolls back, so its records are pending and queued again.

    Read the next ``limit`` queue rows; mark those records quantified that are still pending,
    locking them (``FOR NO KEY UPDATE SKIP LOCKED``: a record another transaction holds, such as
    a runner's or an official's review, is left to a later run); delete the queue rows of the
    records marked, and of any record read that is no longer pending (a row nothing else would
    remove: only this job moves a record from pending to quantified without the triggers
    taking it out of the queue). Records are locked before their queue rows, as by the triggers
    that write the queue, so the two never wait on each other the other way round.

    Person by person, never splitting one: the ``limit`` rows read are followed by the rest of
    the last person's, so a citizen's whole backlog is capped in one batch, in time order
    (``occurred_at``), whatever the batch size or the number of workers, and credited by one
    ledger entry; a batch may so exceed ``limit`` by one person's backlog. And a batch's writes
    to the indexes kept per person (reductions, cap usage, ledger entries) fall in one narrow
    range of keys.

    Starting after the previous batch's last queue row keeps the index scan off the rows the
    run has just deleted (dead until vacuumed), so a batch costs the same at the end of a long
    run as at its start. A record skipped that way (new for a person already passed, pending
    again after review, or locked by another transaction) is taken by the next run. ``share`` =
    (k, n) takes only the records of users whose id is k modulo n: parallel workers then never
    cap the same person.
    """
    postgresql = is_postgresql()
    q = _QUEUE.c
    suspended = select(Methodology.id).where(
        Methodology.status == MethodologyStatus.SUSPENDED.value
    )
    position = tuple_(q.user_id, q.record_id)
    waiting = [
        q.queue == RecordStatus.PENDING.value,
        position > tuple_(*after),
        q.methodology_id.not_in(suspended),
    ]
    if share is not None:
        waiting.append(q.user_id % share[1] == share[0])
    queued = list(
        session()
        .execute(select(q.user_id, q.record_id).where(*waiting).order_by(*position).limit(limit))
        .all()
    )
    if not queued:
        return None, []
    last_user = queued[-1][0]
    if len(queued) == limit:
        # The last person's rest, so that nobody's backlog is split over two batches.
        rest = select(q.user_id, q.record_id).where(
            *waiting, q.user_id == last_user, q.record_id > queued[-1][1]
        )
        queued += session().execute(rest.order_by(q.record_id)).all()
    last = (int(last_user), int(queued[-1][1]))
    read = [*waiting, position <= tuple_(*last)]  # the queue rows just read
    rows = _take_postgresql(read, [row[1] for row in queued]) if postgresql else _take_sqlite(read)
    return last, sorted(rows, key=itemgetter(1, 0))


_MARK_QUANTIFIED = update(_RECORDS).values(status=RecordStatus.QUANTIFIED.value)
_IS_PENDING = _RECORDS.c.status == RecordStatus.PENDING.value
# What the batch needs of each record taken.
_CLAIMED_COLUMNS = (
    _RECORDS.c.id,
    _RECORDS.c.user_id,
    _RECORDS.c.methodology_id,
    _RECORDS.c.quantity_milli,
    _RECORDS.c.unit,
    _RECORDS.c.parameters.cast(Text),  # parsed once per distinct text
    _RECORDS.c.occurred_at,
)


def _take_sqlite(read: list[ColumnElement[bool]]) -> Sequence[Sequence[Any]]:
    """SQLite: this transaction is the only writer, so every record read is taken or no longer
    pending, and each queue row read goes."""
    queued = select(_QUEUE.c.record_id).where(*read)
    claim = _MARK_QUANTIFIED.where(_RECORDS.c.id.in_(queued), _IS_PENDING).returning(
        *_CLAIMED_COLUMNS
    )
    rows = session().execute(claim).all()
    session().execute(delete(_QUEUE).where(*read))
    return rows


def _take_postgresql(read: list[ColumnElement[bool]], ids: list[int]) -> Sequence[Sequence[Any]]:
    """PostgreSQL: take the records ``ids`` (the queue rows ``read``) that are still pending and
    not held by another transaction, and delete their queue rows and those of records read that
    are no longer pending."""
    c = _RECORDS.c
    # The records are found by primary key (the ids sent as one array), locked, and then
    # updated where the lock found them (a TID scan, not a second index search).
    ctid: ColumnClause[Any] = literal_column("ctid")
    lockable = (
        select(ctid)
        .where(c.id == any_(bindparam("ids", type_=IntArray())), _IS_PENDING)
        .with_for_update(skip_locked=True, key_share=True)
    )
    claim = _MARK_QUANTIFIED.where(ctid == any_(func.array(lockable.scalar_subquery())))
    rows = session().execute(claim.returning(*_CLAIMED_COLUMNS), {"ids": ids}).all()
    done = [row[0] for row in rows]
    if len(done) < len(ids):
        # Read but not taken: held by another transaction, or no longer pending (then its
        # queue row goes too, once its record is locked so that nothing queues it meanwhile).
        taken = set(done)
        left = (
            select(c.id)
            .where(c.id.in_([i for i in ids if i not in taken]), ~_IS_PENDING)
            .with_for_update(skip_locked=True, key_share=True)
        )
        done += session().scalars(left)
    if done:
        # Within the range read (the primary key's index finds it in one pass), the ids done.
        # IN (SELECT unnest(…)), hashed, not = ANY(…): once psycopg has prepared the statement
        # (from its fifth run) the server may plan it for any array, and then = ANY would scan
        # the array for each row, 5,000 × 5,000 comparisons.
        done_ids = select(func.unnest(bindparam("done", type_=IntArray())))
        session().execute(
            delete(_QUEUE).where(*read, _QUEUE.c.record_id.in_(done_ids)), {"done": done}
        )
    return rows


def count_pending() -> int:
    """How many records wait in the pending queue (those of suspended methodologies too)."""
    stmt = select(func.count()).where(_QUEUE.c.queue == RecordStatus.PENDING.value)
    return int(session().execute(stmt).scalar_one())
