"""The checks of ``flask registry verify`` (``portal.market.verify``), one module per kind of
row: ``blocks`` (invariants 1–4: conservation, tiling, links of blocks), ``trades`` (3, 5, 8:
orders and retirements), ``closure`` (8: 碳中和 events and fulfilled cases have their tonnes
retired), ``batches`` (6 and 9: grams, tonnes and the officials of a batch).

Each check is one statement that returns only the rows at fault (GROUP BY sums, a window over
each batch's blocks in serial order), so a clean registry of 10⁵ blocks is read by the
database, not walked in Python; Python only words the faults it gets back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from portal.market.models import Batch, Contribution, Order, Retirement, SerialBlock

BATCHES = Batch.__tablename__
BLOCKS = SerialBlock.__tablename__
ORDERS = Order.__tablename__
RETIREMENTS = Retirement.__tablename__
CONTRIBUTIONS = Contribution.__tablename__
TONNES = SerialBlock.end_serial - SerialBlock.start_serial + 1  # a block's tonnes, in SQL


@dataclass(frozen=True)
class Fault:
    """One row breaking one invariant."""

    table: str
    row_id: int
    invariant: int
    what: str

    def __str__(self) -> str:
        return f"{self.table} #{self.row_id} (invariant {self.invariant}): {self.what}"


Check = Callable[[], Iterator[Fault]]


def worded(table: str, invariant: int, rows: Iterable[Any]) -> Iterator[Fault]:
    """Faults of ``(id, what)`` rows whose ``what`` (a SQL CASE's wording) is set."""
    for row_id, what in rows:
        if what:
            yield Fault(table, row_id, invariant, what)
