"""Registry batches that ``flask registry verify`` passes: issued by three different officials,
their grams held by contributions, their buffer the share's ceiling."""

from __future__ import annotations

from typing import Any

from portal.db import session
from portal.market.models import Batch, Contribution
from tests.factories.accounts import make_user
from tests.factories.base import next_number
from tests.factories.market import make_issued_batch


def make_clean_batch(
    *, issued_tonnes: int = 19, buffer_tonnes: int = 1, citizens: int = 2, **fields: Any
) -> Batch:
    """An issued batch (``make_issued_batch``) with ``citizens`` contributions adding up to its
    grams, and sampled, verified and issued by three officials. ``buffer_tonnes`` must be
    ⌈total × 5 %⌉ (the factory's share) for the batch to verify."""
    officials = {f"{step}_by_id": make_user().id for step in ("sampled", "verified", "issued")}
    batch = make_issued_batch(
        issued_tonnes=issued_tonnes,
        buffer_tonnes=buffer_tonnes,
        contribution_count=citizens,
        contributor_count=citizens,
        **{**officials, **fields},
    )
    grams = batch.contributed_grams
    for person in range(citizens):
        share = grams // citizens + (grams % citizens if person == 0 else 0)
        n = next_number()
        session().add(
            Contribution(batch_id=batch.id, reduction_id=n, record_id=n, user_id=n, grams=share)
        )
    session().commit()
    return batch
