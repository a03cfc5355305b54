"""Cap usage: what each person has used of each capped period, read and written per batch.

A batch reads the usage rows of its keys without locking, caps its records against them
(``capping``) and writes the new totals back in one statement that checks them: on
PostgreSQL the upsert answers with any key whose stored totals are not the ones the batch
computed, and then another transaction (a runner or a reversal) changed the row meanwhile
and ``UsageMoved`` rolls the batch back to be run again. Flush-only, inside the batch's
transaction. ``UsageKey`` is also the key partner intake's reversals give usage back by.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from portal.activities.models import CapUsage
from portal.activities.quantify.run_state import is_postgresql
from portal.db import DEADLOCK, UNIQUE_VIOLATION, DateArray, IntArray, TextArray, session

_USAGE = cast(Table, CapUsage.__table__)

UsageKey = tuple[int, int, str, date]  # user, methodology, period, bucket start
UsageRow = tuple[int, int, int]  # grams, quantity_milli, records
NOTHING_USED: UsageRow = (0, 0, 0)  # what a key without a stored row has used


# PostgreSQL: the usage rows of a batch's keys, read in one statement; the batch's increments
# added to the rows read in one upsert that checks the new totals, and the other rows inserted.
_KEY_COLUMNS = ("user_id", "methodology_id", "period", "bucket_start")
_KEY_ARRAYS = (
    bindparam("users", type_=IntArray()),
    bindparam("methodologies", type_=IntArray()),
    bindparam("periods", type_=TextArray()),
    bindparam("starts", type_=DateArray()),
)
_USAGE_KEYS = func.unnest(*_KEY_ARRAYS).table_valued(*_KEY_COLUMNS).render_derived()
_VALUE_COLUMNS = ("grams", "quantity_milli", "records")
_USAGE_ROW = [_USAGE.c[name] for name in (*_KEY_COLUMNS, *_VALUE_COLUMNS)]
_READ_USAGE_PG = select(*_USAGE_ROW).join(
    _USAGE_KEYS, and_(*(_USAGE.c[name] == _USAGE_KEYS.c[name] for name in _KEY_COLUMNS))
)
_TOTAL_COLUMNS = ("total_grams", "total_quantity_milli", "total_records")
_VALUE_ARRAYS = (
    bindparam("grams", type_=IntArray()),
    bindparam("quantities", type_=IntArray()),
    bindparam("records", type_=IntArray()),
)
# Rows no runner had stored when the batch read them, in key order.
_UNSTORED_USAGE = func.unnest(*_KEY_ARRAYS, *_VALUE_ARRAYS).table_valued(
    *_KEY_COLUMNS, *_VALUE_COLUMNS
)
_INSERT_USAGE_PG = insert(_USAGE).from_select(
    [*_KEY_COLUMNS, *_VALUE_COLUMNS], select(*_UNSTORED_USAGE.render_derived().c)
)
# The batch's increments to stored rows and the totals it expects, in key order.
_INCREMENTS = select(
    func.unnest(
        *_KEY_ARRAYS,
        *_VALUE_ARRAYS,
        bindparam("total_grams", type_=IntArray()),
        bindparam("total_quantities", type_=IntArray()),
        bindparam("total_records", type_=IntArray()),
    )
    .table_valued(*_KEY_COLUMNS, *_VALUE_COLUMNS, *_TOTAL_COLUMNS)
    .render_derived()
).cte("given")
# The increments added to the rows: an upsert, so a row deleted meanwhile is stored again; it
# returns each row as it left it.
_UPSERT = postgresql.insert(_USAGE).from_select(
    [*_KEY_COLUMNS, *_VALUE_COLUMNS],
    select(*(_INCREMENTS.c[n] for n in (*_KEY_COLUMNS, *_VALUE_COLUMNS))),
)
_UPSERTED = (
    _UPSERT.on_conflict_do_update(
        index_elements=list(_KEY_COLUMNS),
        set_={name: _USAGE.c[name] + _UPSERT.excluded[name] for name in _VALUE_COLUMNS},
    )
    .returning(*_USAGE_ROW)
    .cte("added")
)
# The upsert, answering with the keys whose new totals are not what the batch expected.
_ADD_USAGE_PG = (
    select(*(_UPSERTED.c[name] for name in _KEY_COLUMNS))
    .join_from(
        _UPSERTED, _INCREMENTS, and_(*(_UPSERTED.c[n] == _INCREMENTS.c[n] for n in _KEY_COLUMNS))
    )
    .where(
        or_(
            *(
                _UPSERTED.c[value] != _INCREMENTS.c[total]
                for value, total in zip(_VALUE_COLUMNS, _TOTAL_COLUMNS, strict=True)
            )
        )
    )
    .limit(1)
)


class UsageMoved(Exception):
    """Another transaction changed a cap-usage row between this batch's read and its write; the
    batch is rolled back and run again."""


def _key_arrays(keys: list[UsageKey]) -> dict[str, list[Any]]:
    return {
        "users": [key[0] for key in keys],
        "methodologies": [key[1] for key in keys],
        "periods": [key[2] for key in keys],
        "starts": [key[3] for key in keys],
    }


def read_usage(keys: set[UsageKey]) -> dict[UsageKey, UsageRow]:
    """The stored cap-usage rows of ``keys`` — (grams, quantity_milli, records) per key; a key
    without a row is left out — read without locking: ``add_usage`` checks them when it
    writes."""
    if not keys:
        return {}
    if is_postgresql():
        rows = session().execute(_READ_USAGE_PG, _key_arrays(sorted(keys)))
    else:
        rows = session().execute(
            select(*_USAGE_ROW).where(
                _USAGE.c.user_id.in_({k[0] for k in keys}),
                _USAGE.c.methodology_id.in_({k[1] for k in keys}),
                _USAGE.c.bucket_start.between(min(k[3] for k in keys), max(k[3] for k in keys)),
            )
        )
    stored = {}
    for user_id, methodology_id, period, start, grams, quantity, records in rows.all():
        key = (user_id, methodology_id, period, start)
        if key in keys:
            stored[key] = (grams, quantity, records)
    return stored


# Errors that mean another transaction wrote the batch's cap usage meanwhile: a row this batch
# inserts was stored (unique violation), or, rows being upserted and then inserted (each in key
# order, but not in one order across both), a runner doing the same waited on this one while
# this one waited on it (deadlock: PostgreSQL fails one of the two).
_MOVED_STATES = (UNIQUE_VIOLATION, DEADLOCK)


def add_usage(read: dict[UsageKey, UsageRow], totals: dict[UsageKey, list[int]]) -> None:
    """Write each key's new usage: add its increment (``totals`` minus ``read``) to the rows
    read, and insert the rows not read (a plain insert: a quarter of the cost of an upsert).

    Every key that was read is written, even with a zero increment, so any change to a row the
    caps were computed from is seen. On PostgreSQL the upsert compares the new totals with the
    ones this batch computed and answers with a key that differs: then another transaction (a
    runner or a reversal) changed the row after it was read, and ``UsageMoved`` rolls the batch
    back to be run again; so do the errors of ``_MOVED_STATES``. On SQLite the writer lock held
    since ``BEGIN IMMEDIATE`` rules all that out.
    """
    if not totals:
        return
    keys = sorted(totals)
    if is_postgresql():
        try:
            _write_usage_pg(read, totals, keys)
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) in _MOVED_STATES:
                raise UsageMoved(f"cap usage written meanwhile: {error.orig}") from error
            raise
        return
    upsert = sqlite.insert(_USAGE)
    session().execute(
        upsert.on_conflict_do_update(
            index_elements=list(_KEY_COLUMNS),
            set_={name: _USAGE.c[name] + upsert.excluded[name] for name in _VALUE_COLUMNS},
        ),
        [
            dict(zip(_KEY_COLUMNS, key, strict=True))
            | {
                name: total - before
                for name, total, before in zip(
                    _VALUE_COLUMNS, totals[key], read.get(key, NOTHING_USED), strict=True
                )
            }
            for key in keys
        ],
    )


def _write_usage_pg(
    read: dict[UsageKey, UsageRow], totals: dict[UsageKey, list[int]], keys: list[UsageKey]
) -> None:
    stored = [key for key in keys if key in read]
    if stored:
        params = _key_arrays(stored)
        for index, name in enumerate(("grams", "quantities", "records")):
            params[name] = [totals[key][index] - read[key][index] for key in stored]
            params[f"total_{name}"] = [totals[key][index] for key in stored]
        moved = session().execute(_ADD_USAGE_PG, params).first()
        if moved is not None:
            raise UsageMoved(f"cap usage {tuple(moved)} changed while the batch was capped")
    new = [key for key in keys if key not in read]
    if new:
        params = _key_arrays(new)
        for index, name in enumerate(("grams", "quantities", "records")):
            params[name] = [totals[key][index] for key in new]
        session().execute(_INSERT_USAGE_PG, params)
