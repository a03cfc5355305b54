"""Certificates: a certificate issued through the service, and the reductions that earn a
carbon milestone."""

from __future__ import annotations

from itertools import count
from typing import Any

from portal.accounts.models import User
from portal.activities.models import Reduction
from portal.certificates import services
from portal.certificates.models import Certificate, CertificateKind
from portal.clock import utcnow
from portal.db import session

_numbers = count(1)
DONATION_TEXT = services.CertificateText(
    title_zh="公益捐赠证书：长白山植树",
    title_en="Donation certificate: tree planting on Changbai Mountain",
    description_zh="持有人向长白山植树项目捐赠了 500 碳积分。",
    description_en="The holder donated 500 carbon points to tree planting on Changbai Mountain.",
)


def make_certificate(user: User, **fields: Any) -> Certificate:
    """A donation certificate for ``user`` (the service's own path, so it is audited)."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "achievement_key": "donation-test",
        "idempotency_key": f"test-donation:{n}",
        "details": {"points": 500},
    }
    values.update(fields)
    return services.issue_certificate(CertificateKind.DONATION, user, DONATION_TEXT, **values)


def add_reduction(
    user: User, net_grams: int, *, reversed_: bool = False, methodology_id: int | None = None
) -> Reduction:
    """A reduction row of ``net_grams`` for ``user`` (the append-only table has no foreign
    keys, so the record, methodology and snapshot ids need not exist; give ``methodology_id``
    for a reduction counted in a category)."""
    n = next(_numbers) + 10_000_000
    row = Reduction(
        record_id=n,
        user_id=user.id,
        methodology_id=methodology_id or n,
        version_id=n,
        occurred_at=utcnow(),
        gross_grams=net_grams,
        capped_grams=0,
        net_grams=net_grams,
        points=net_grams,
        credited_quantity_milli=0,
        is_counted=True,
        is_saleable=False,
        parameters={},
        snapshot_id=n,
        reversed_at=utcnow() if reversed_ else None,
    )
    session().add(row)
    session().flush()
    return row
