"""Quantifying claimed records, before caps: each by the version in force at its time.

A record whose time no filed version covers, whose formula or parameters fail, or whose
result passes ``MAX_GRAMS`` is rejected (marked again, with a reason). Flush-only, inside
the batch's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, update

from portal.accounts.queries import deleted_user_ids
from portal.activities.models import QUANTITY_SCALE, BehaviorRecord, RecordStatus
from portal.activities.quantify.run_state import PreparedVersion, RunState
from portal.activities.reasons import (
    ACCOUNT_DELETED,
    NO_VERSION_IN_FORCE,
    Reason,
    quantify_failure,
    too_many_grams,
)
from portal.db import session
from portal.methodology.engine import (
    Bucket,
    CapResult,
    FormulaError,
    ParameterError,
    Quantification,
    buckets_for,
)
from portal.methodology.units import UnitMismatch

_RECORDS = cast(Table, BehaviorRecord.__table__)

# One record may reduce at most 1,000 t CO2e: far above any personal behaviour, and low enough
# that grams, points and balances stay 64-bit integers whatever a filed formula computes.
MAX_GRAMS = 10**12


@dataclass(slots=True)
class ClaimedRecord:
    """One claimed record on its way to a reduction."""

    record_id: int
    user_id: int
    methodology_id: int
    occurred_at: datetime
    parameters: str  # as JSON text
    version: PreparedVersion
    result: Quantification
    buckets: tuple[Bucket, Bucket, Bucket]
    capped: CapResult | None = None
    credited_milli: int = 0
    points: int = 0


def reject_records(rejected: list[tuple[int, Reason]]) -> None:
    """Mark records rejected, each with its reason: (record id, (code, parameters)) pairs."""
    if not rejected:
        return
    session().execute(
        update(_RECORDS)
        .where(_RECORDS.c.id == bindparam("record_id"))
        .values(
            status=RecordStatus.REJECTED.value,
            review_code=bindparam("code"),
            review_params=bindparam("params"),
        ),
        [
            {"record_id": record_id, "code": code, "params": params}
            for record_id, (code, params) in rejected
        ],
    )


def drop_deleted_accounts(
    rows: Sequence[Sequence[Any]],
) -> tuple[Sequence[Sequence[Any]], list[tuple[int, Reason]]]:
    """The claimed rows of live accounts, and the records of deleted ones to reject: no point
    is credited to a deleted account. Its deletion rejected its waiting records and held its
    user row locked meanwhile, which a new record's insert waits for (its foreign key), so a
    record claimed here was committed after the deletion and this read sees the deletion."""
    gone = deleted_user_ids({row[1] for row in rows})
    if not gone:
        return rows, []
    kept = [row for row in rows if row[1] not in gone]
    return kept, [(row[0], (ACCOUNT_DELETED, {})) for row in rows if row[1] in gone]


def quantify_claimed(
    rows: Sequence[Sequence[Any]], run: RunState
) -> tuple[list[ClaimedRecord], list[tuple[int, Reason]]]:
    """Quantify each claimed record by the version in force at its time (before caps)."""
    run.load({row[2] for row in rows})
    parameters = run.parameters
    items: list[ClaimedRecord] = []
    rejected: list[tuple[int, Reason]] = []
    for record_id, user_id, methodology_id, quantity_milli, unit, params, occurred_at in rows:
        version = run.version_at(methodology_id, occurred_at)
        if version is None:
            rejected.append((record_id, (NO_VERSION_IN_FORCE, {})))
            continue
        if version.quantifier is None:
            assert version.error is not None  # PreparedVersion.of keeps why the formula is broken
            rejected.append((record_id, quantify_failure(version.error)))
            continue
        try:
            given = parameters.get(params)
            if given is None:
                given = {k: Decimal(v) for k, v in json.loads(params).items()}
                parameters[params] = given
            result = version.quantifier(Decimal(quantity_milli) / QUANTITY_SCALE, unit, given)
        except (FormulaError, ParameterError, UnitMismatch, ValueError) as error:
            rejected.append((record_id, quantify_failure(error)))
            continue
        if result.gross_grams > MAX_GRAMS:
            rejected.append((record_id, too_many_grams(result.gross_grams, MAX_GRAMS)))
            continue
        items.append(
            ClaimedRecord(
                record_id,
                user_id,
                methodology_id,
                occurred_at,
                params,
                version,
                result,
                buckets_for(occurred_at),
            )
        )
    return items, rejected
