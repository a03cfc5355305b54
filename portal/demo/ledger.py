"""Demo points from last year for the demo citizen, so the account page shows points expiring
at the end of this year (POINTS_EXPIRY_YEARS 1): one ``demo_opening`` posting from the issuance
account, dated 1 June of last year, idempotent on its key."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import patch

from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import local_today
from portal.db import session, transaction
from portal.ledger import services as ledger

DEMO_OPENING_POINTS = 6000  # more than the demo spends this year (vouchers, donations)


def seed_demo_opening(phone: str) -> int | None:
    """Credit the demo citizen ``DEMO_OPENING_POINTS`` dated last year (once; None when
    already there or the citizen is missing). The ledger stamps a posting with its clock;
    the demo sets that clock, as the tests do, since no real posting is ever back-dated."""
    with transaction():
        user_id = session().scalar(select(User.id).where(User.phone == phone))
        if user_id is None:
            return None
        year = local_today().year - 1
        account = ledger.ensure_user_accounts([user_id])[user_id]
        posting = ledger.Posting(
            f"demo:opening:{user_id}",
            "demo_opening",
            ((ledger.issuance_account_id(), -DEMO_OPENING_POINTS), (account, DEMO_OPENING_POINTS)),
            {"year": year},
        )
        with patch.object(ledger, "utcnow", return_value=datetime(year, 6, 1, 2, tzinfo=UTC)):
            return ledger.append([posting])[0]
