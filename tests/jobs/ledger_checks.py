"""A check the quantify tests share: every reduction's points are in the ledger exactly once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.activities.models import Reduction
from portal.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction


def assert_credited_once(session: Session) -> int:
    """Each reduction with points names the ledger transaction that credited it, and each
    citizen's entry in every quantify posting equals the points of their reductions naming it.
    Returns the number of quantify postings."""
    unlinked = session.scalar(
        select(func.count(Reduction.id)).where(
            Reduction.points > 0, Reduction.ledger_transaction_id.is_(None)
        )
    )
    assert unlinked == 0, f"{unlinked} reductions with points name no ledger transaction"
    expected = {
        (tx_id, user_id): int(points)
        for tx_id, user_id, points in session.execute(
            select(Reduction.ledger_transaction_id, Reduction.user_id, func.sum(Reduction.points))
            .where(Reduction.points > 0)
            .group_by(Reduction.ledger_transaction_id, Reduction.user_id)
        )
    }
    posted = {
        (tx_id, user_id): points
        for tx_id, user_id, points in session.execute(
            select(LedgerEntry.transaction_id, LedgerAccount.user_id, LedgerEntry.points)
            .join(LedgerAccount, LedgerEntry.account_id == LedgerAccount.id)
            .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(LedgerTransaction.kind == "reduction_credit", LedgerAccount.user_id.is_not(None))
        )
    }
    assert posted == expected, "ledger credits and reductions disagree"
    return len({tx_id for tx_id, _ in posted})
