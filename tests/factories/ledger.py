"""Ledger: postings a test needs to have happened before the behaviour it tests."""

from __future__ import annotations

from portal.ledger import services as ledger


def make_spend(user_id: int, points: int, key: str) -> int | None:
    """``points`` of the user's go back to the issuance account, as a redemption takes them
    (through ``ledger.post``, so the balance check holds); returns the ledger transaction id."""
    account = ledger.ensure_user_accounts([user_id])[user_id]
    return ledger.post(
        ledger.Posting(
            key, "redemption", ((account, -points), (ledger.issuance_account_id(), points))
        )
    )
