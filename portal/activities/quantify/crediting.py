"""Crediting a batch: the ledger posting that issues the points its reductions earned.

One posting per batch, one entry per citizen (the sum of their reductions' points) against
the issuance account, built here and appended through the ledger's public face inside the
batch's transaction. Its idempotency key names the batch's records, so a batch is credited
at most once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import cast

from portal.activities.quantify.quantities import ClaimedRecord
from portal.activities.quantify.run_state import RunState
from portal.ledger.services import Posting, append, ensure_user_accounts, issuance_account_id
from portal.methodology.engine import CapResult


def credit_batch(items: list[ClaimedRecord], run: RunState) -> int | None:
    """Post the batch's points: one ledger transaction, one entry per citizen; set each item's
    ``points``. Returns the transaction's id, or None when no record earned a point."""
    per_user: dict[int, int] = defaultdict(int)
    points_per_kg = run.points_per_kg
    for item in items:
        item.points = points = cast(CapResult, item.capped).net_grams * points_per_kg // 1000
        if points:
            per_user[item.user_id] += points
    if not per_user:
        return None
    accounts = run.accounts
    missing = [user_id for user_id in per_user if user_id not in accounts]
    if missing:
        # A user's points account never changes once created: looked up once per run.
        accounts.update(ensure_user_accounts(missing))
    total = sum(per_user.values())
    record_ids = sorted(item.record_id for item in items)
    digest = hashlib.sha256(",".join(map(str, record_ids)).encode()).hexdigest()
    posting = Posting(
        idempotency_key=f"reduction:records:{record_ids[0]}-{record_ids[-1]}:{digest[:32]}",
        kind="reduction_credit",
        entries=(
            (issuance_account_id(), -total),
            *((accounts[user_id], amount) for user_id, amount in sorted(per_user.items())),
        ),
        memo={
            "records": len(record_ids),
            "first_record": record_ids[0],
            "last_record": record_ids[-1],
            "record_digest": digest,
        },
    )
    return append([posting])[0]
