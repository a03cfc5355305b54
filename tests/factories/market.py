"""Registry: an issued batch of a seeded methodology with its blocks, written directly (the
pooling and issuing services are tested on their own), for tests of what comes after issue."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select

from portal.clock import utcnow
from portal.db import session
from portal.market import holdings
from portal.market.models import Batch, BatchStatus
from portal.methodology.models import Methodology
from tests.factories.base import save


def make_issued_batch(
    *, issued_tonnes: int = 10, buffer_tonnes: int = 1, code: str = "JLCH-TV-001", **fields: Any
) -> Batch:
    """An issued batch of ``code`` (seeded methodologies must exist) whose serials
    ``1..issued_tonnes`` are available to the platform and the rest sit in the buffer; its
    pooled grams are exactly what its tonnes need, its number the next one of its vintage."""
    methodology = session().scalars(select(Methodology).where(Methodology.code == code)).one()
    vintage = fields.pop("vintage", 202610)
    batch_no = 1 + (
        session().scalar(
            select(func.max(Batch.batch_no)).where(
                Batch.methodology_id == methodology.id, Batch.vintage == vintage
            )
        )
        or 0
    )
    total = issued_tonnes + buffer_tonnes
    now = utcnow()
    values: dict[str, Any] = {
        "methodology_id": methodology.id,
        "methodology_code": methodology.code,
        "vintage": vintage,
        "batch_no": batch_no,
        "status": BatchStatus.ISSUED.value,
        "pooled_grams": total * 1_000_000,
        "contributed_grams": total * 1_000_000,
        "buffer_bp": 500,
        "total_tonnes": total,
        "buffer_tonnes": buffer_tonnes,
        "issued_tonnes": issued_tonnes,
        "sample_seed": secrets.token_hex(16),
        "sample_rule": "sqrt",
        "issued_at": now,
    }
    values.update(fields)
    batch = save(Batch(**values))
    holdings.create_blocks(batch)
    session().commit()
    return batch
