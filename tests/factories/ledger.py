"""Ledger: postings a test needs to have happened before the behaviour it tests."""

from __future__ import annotations

from portal.db import transaction
from portal.ledger import services as ledger


def make_spend(user_id: int, points: int, key: str) -> int | None:
    """``points`` of the user's go back to the issuance account, as a redemption takes them
    (appended in a transaction of its own, as a domain's command does, so the balance check
    holds); returns the ledger transaction id."""
    with transaction():
        account = ledger.ensure_user_accounts([user_id])[user_id]
        return ledger.append(
            [
                ledger.Posting(
                    key, "redemption", ((account, -points), (ledger.issuance_account_id(), points))
                )
            ]
        )[0]


def make_earn(user_id: int, points: int, key: str) -> int | None:
    """``points`` issued to the user, as the quantify job credits them; returns the tx id."""
    with transaction():
        account = ledger.ensure_user_accounts([user_id])[user_id]
        return ledger.append(
            [
                ledger.Posting(
                    key, "test.issue", ((ledger.issuance_account_id(), -points), (account, points))
                )
            ]
        )[0]
