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

from portal.activities.models import BehaviorRecord, RecordStatus
from portal.activities.quantify.run_state import PreparedVersion, RunState
from portal.activities.rules import QUANTITY_SCALE
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


def reject_records(rejected: list[tuple[int, str]]) -> None:
    """Mark records rejected, each with its reason: (record id, reason) pairs."""
    if not rejected:
        return
    session().execute(
        update(_RECORDS)
        .where(_RECORDS.c.id == bindparam("record_id"))
        .values(status=RecordStatus.REJECTED.value, review_reason=bindparam("reason")),
        [{"record_id": record_id, "reason": reason[:2000]} for record_id, reason in rejected],
    )


def quantify_claimed(
    rows: Sequence[Sequence[Any]], run: RunState
) -> tuple[list[ClaimedRecord], list[tuple[int, str]]]:
    """Quantify each claimed record by the version in force at its time (before caps)."""
    run.load({row[2] for row in rows})
    parameters = run.parameters
    items: list[ClaimedRecord] = []
    rejected: list[tuple[int, str]] = []
    for record_id, user_id, methodology_id, quantity_milli, unit, params, occurred_at in rows:
        version = run.version_at(methodology_id, occurred_at)
        if version is None:
            rejected.append((record_id, "No filed methodology version was in force at that time."))
            continue
        try:
            if version.quantifier is None:
                raise FormulaError(version.error)
            given = parameters.get(params)
            if given is None:
                given = {k: Decimal(v) for k, v in json.loads(params).items()}
                parameters[params] = given
            result = version.quantifier(Decimal(quantity_milli) / QUANTITY_SCALE, unit, given)
        except (FormulaError, ParameterError, UnitMismatch, ValueError) as error:
            rejected.append((record_id, f"Could not be quantified: {error}"))
            continue
        if result.gross_grams > MAX_GRAMS:
            rejected.append(
                (
                    record_id,
                    f"Could not be quantified: {result.gross_grams} g is more than one "
                    f"record may reduce ({MAX_GRAMS} g).",
                )
            )
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
