"""Retirements: an organisation holding tonnes of an issued batch (moved from the platform by
``holdings.move``, as a paid order would), its buyer, citizens' contributions written directly
(pooling is tested on its own), and the keyword arguments of a valid ``retire``."""

from __future__ import annotations

import secrets
from typing import Any

from portal.accounts.models import MemberRole, Organisation, OrgKind, User
from portal.db import session
from portal.market import holdings
from portal.market.holdings import Destination, Source
from portal.market.models import Batch, BlockState, Contribution
from tests.factories.accounts import make_membership, make_org, make_user
from tests.factories.base import next_number, save
from tests.factories.market import make_issued_batch


def make_holder(
    tonnes: int = 10, *, batch: Batch | None = None, org: Organisation | None = None
) -> tuple[Organisation, User, Batch]:
    """An enterprise holding ``tonnes`` of ``batch`` (a new issued batch of 10 t by default),
    and a buyer member of it."""
    org = org or make_org(kind=OrgKind.ENTERPRISE)
    buyer = make_user()
    make_membership(buyer, org, MemberRole.MANAGER)
    batch = batch or make_issued_batch(issued_tonnes=max(10, tonnes))
    holdings.move(
        Source(BlockState.AVAILABLE, batch_id=batch.id),
        tonnes,
        Destination(BlockState.HELD, holder_org_id=org.id),
    )
    session().commit()
    return org, buyer, batch


def add_contribution(batch: Batch, user: User, grams: int) -> Contribution:
    n = next_number()
    return save(
        Contribution(batch_id=batch.id, reduction_id=n, record_id=n, user_id=user.id, grams=grams)
    )


def retire_args(**fields: Any) -> dict[str, Any]:
    """Valid keyword arguments of ``retire`` (voluntary, 1 t), overridable."""
    values: dict[str, Any] = {
        "tonnes": 1,
        "purpose": "voluntary",
        "beneficiary_zh": "吉林某公司",
        "beneficiary_en": "A Jilin company",
        "form_token": secrets.token_urlsafe(24),
    }
    values.update(fields)
    return values
