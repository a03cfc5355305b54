"""``verify``: DESIGN.md §7's registry invariants checked over the tables, as set-based SQL
(the checks live in ``portal.market.invariants``). A fault names its table, row id, invariant
and what is wrong.

What the data cannot show is not claimed: invariant 7 (one transaction per command, row locks)
is the code's, tested by the race tests; invariant 8 is checked on both sides, a retirement's
own purpose fields (``trades``) and the closure over the events' and cases' tables
(``closure``: a 碳中和 event or a fulfilled case has its tonnes retired); "final" (3) is
checked as far as the rows carry it (a retired block keeps its retirement, a retirement's
blocks add up to it, no serial is in two blocks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from portal.db import session
from portal.market.invariants import TONNES, Check, Fault, batches, blocks, closure, trades
from portal.market.models import Batch, BatchStatus, Contribution, Order, Retirement, SerialBlock

MAX_FAULTS = 1_000  # beyond this only a count is kept, so a wrecked registry cannot exhaust memory
CHECKS: tuple[Check, ...] = blocks.CHECKS + trades.CHECKS + closure.CHECKS + batches.CHECKS


@dataclass
class VerifyReport:
    """What ``verify`` found; ``ok`` when no fault. ``counts`` summarise what was checked."""

    faults: list[Fault] = field(default_factory=list)
    faults_omitted: int = 0  # faults beyond MAX_FAULTS, counted but not listed
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.faults

    def add(self, fault: Fault) -> None:
        if len(self.faults) < MAX_FAULTS:
            self.faults.append(fault)
        else:
            self.faults_omitted += 1


def verify() -> VerifyReport:
    """Check invariants 1–6, 8 and 9 over every batch, block, order, retirement and
    contribution. Read-only: safe while the site runs (for operators, cron and CI)."""
    report = VerifyReport()
    for check in CHECKS:
        for fault in check():
            report.add(fault)
    report.counts = _counts()
    return report


def _counts() -> dict[str, int]:
    """Rows checked, and tonnes by block state (``tonnes_<state>``)."""
    counts = {
        "batches": session().scalar(select(func.count()).select_from(Batch)) or 0,
        "issued_batches": session().scalar(
            select(func.count()).where(Batch.status == BatchStatus.ISSUED.value)
        )
        or 0,
        "orders": session().scalar(select(func.count()).select_from(Order)) or 0,
        "retirements": session().scalar(select(func.count()).select_from(Retirement)) or 0,
        "contributions": session().scalar(select(func.count()).select_from(Contribution)) or 0,
        "blocks": 0,
    }
    for state, count, tonnes in session().execute(
        select(SerialBlock.state, func.count(), func.sum(TONNES)).group_by(SerialBlock.state)
    ):
        counts["blocks"] += count
        counts[f"tonnes_{state}"] = tonnes
    return counts
