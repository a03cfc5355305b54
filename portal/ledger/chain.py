"""The hash chain: what each ledger transaction's hash covers, and the chain head's lock.

Each transaction stores ``hash = sha256(prev_hash + canonical content)``; the sealing job
extends the chain under the head's lock and ``verify`` recomputes it with the same two
functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from portal.ledger.models import LedgerChainHead

GENESIS_HASH = "0" * 64
CHAIN_HEAD_ID = 1  # the one row inserted by migration 0002

_HEAD = cast(Table, LedgerChainHead.__table__)


def canonical_json(
    *,
    key: str,
    kind: str,
    entries: Iterable[tuple[int, int]],
    memo: Mapping[str, Any],
    created_at: datetime,
) -> str:
    """The exact text a transaction's hash covers. Pure; shared by ``append`` and ``verify``."""
    return json.dumps(
        {
            "key": key,
            "kind": kind,
            "entries": sorted([int(a), int(p)] for a, p in entries),
            "memo": memo,
            "created_at": created_at.astimezone(UTC).isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    """``sha256(prev_hash + canonical)`` as 64 hex characters (UTF-8)."""
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def lock_chain_head(db: Session) -> tuple[int | None, str]:
    # SQLite's compiler drops FOR UPDATE; its BEGIN IMMEDIATE already holds the writer lock.
    row = db.execute(
        select(_HEAD.c.last_transaction_id, _HEAD.c.last_hash)
        .where(_HEAD.c.id == CHAIN_HEAD_ID)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise RuntimeError("ledger_chain_head row 1 is missing; run the migrations")
    return row.last_transaction_id, row.last_hash
