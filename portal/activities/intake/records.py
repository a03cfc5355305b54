"""What a channel delivers (``RecordInput``), what is wrong with it field by field (``Problem``,
``RecordRefused``) and what becomes of each record of a batch (``Outcome``); shared by the
citizen's form, the partner API and the CSV upload."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

MAX_BATCH = 1000  # records per partner call or CSV file


@dataclass(frozen=True)
class Problem:
    field: str
    message: Any  # a lazy translation


class RecordRefused(Exception):
    """The record cannot be accepted; ``problems`` says why, field by field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class RecordInput:
    """One behaviour as a channel delivers it; ``quantity`` is None when it was not a number."""

    methodology_code: str
    quantity: Decimal | None
    unit: str
    occurred_at: datetime
    ended_at: datetime | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    user_ref: str | None = None
    note: str = ""


@dataclass
class Outcome:
    """What became of one record of a batch: ``accepted`` (maybe ``flags``), ``duplicate`` (of
    ``record_id``) or ``rejected`` with ``problems``."""

    index: int
    status: Literal["accepted", "duplicate", "rejected"]
    external_id: str | None = None
    record_id: int | None = None
    flags: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
