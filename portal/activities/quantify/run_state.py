"""What a quantify run prepares once and keeps from batch to batch.

The filed methodology versions (formula compiled, caps read) per methodology, record
parameters parsed per JSON text, factor snapshot ids per version and points account ids per
user. Plain objects: the batches read them, only ``RunState.forget_writes`` undoes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from portal.db import session
from portal.methodology.engine import (
    PERIODS,
    QUANTITY_NAME,
    Caps,
    FormulaError,
    Quantification,
    Quantifier,
)
from portal.methodology.models import MethodologyVersion
from portal.methodology.queries import FiledVersions
from portal.methodology.versions import VersionSpec


def is_postgresql() -> bool:
    """Whether the run's session speaks PostgreSQL: the job then writes with COPY and arrays,
    and claims with ``SKIP LOCKED``; on SQLite with plain statements."""
    return session().get_bind().dialect.name == "postgresql"


@dataclass(slots=True)
class PreparedVersion:
    """What the job needs of one methodology version, prepared once per run."""

    id: int
    effective_from: datetime
    effective_to: datetime | None
    is_saleable: bool
    caps: Caps
    # Where the periods its caps limit sit in a buckets_for() tuple: usage is kept for these
    # only.
    capped: tuple[int, ...]
    quantifier: Quantifier | None  # None when its formula is broken (``error`` says how)
    error: str = ""
    # Record parameters as JSON text → the stored parameters' JSON after the quantity.
    parameters_tail: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, version: MethodologyVersion, spec: VersionSpec) -> PreparedVersion:
        caps = spec.caps
        try:
            quantifier, error = Quantifier(spec), ""
        except FormulaError as exc:
            quantifier, error = None, str(exc)
        return cls(
            version.id,
            version.effective_from,
            version.effective_to,
            version.is_saleable,
            caps,
            tuple(PERIODS.index(period) for period in caps.capped_periods()),
            quantifier,
            error,
        )

    def parameters_json(self, result: Quantification, given: str) -> str:
        """The parameters a reduction stores (``Q`` and the record's, defaults applied, as
        decimal strings) as JSON text, exactly as ``json.dumps`` writes them. Only ``Q``
        differs between records with the same parameters, so the rest is serialised once."""
        tail = self.parameters_tail.get(given)
        if tail is None:
            rest = {k: str(v) for k, v in result.parameters.items() if k != QUANTITY_NAME}
            tail = self.parameters_tail[given] = json.dumps(rest)[1:] if rest else "}"
        # A finite Decimal's text is digits, sign, point and exponent: nothing to escape.
        quantity = f'{{"{QUANTITY_NAME}": "{result.activity_quantity}"'
        return quantity + (f", {tail}" if tail != "}" else tail)


class RunState:
    """What one run keeps from batch to batch: the filed versions prepared per methodology,
    record parameters parsed per JSON text (most records share a handful of parameter sets),
    factor snapshot ids per version and points account ids per user."""

    def __init__(self, points_per_kg: int) -> None:
        self.points_per_kg = points_per_kg
        self._filed = FiledVersions()
        self._versions: dict[int, list[PreparedVersion]] = {}
        self.parameters: dict[str, dict[str, Decimal]] = {}
        self.snapshots: dict[int, int] = {}
        self.accounts: dict[int, int] = {}

    def forget_writes(self) -> None:
        """After a rolled-back batch, forget the snapshot and account ids learnt since the
        last commit: rows the batch stored are gone. (``UsageMoved`` comes before either is
        written today; this keeps a reordering of the batch from making that matter.)"""
        self.snapshots.clear()
        self.accounts.clear()

    def load(self, methodology_ids: set[int]) -> None:
        missing = methodology_ids - self._versions.keys()
        if missing:
            self._filed.load(missing)
            for methodology_id in missing:
                self._versions[methodology_id] = [
                    PreparedVersion.of(version, spec)
                    for version, spec in self._filed.of(methodology_id)
                ]

    def version_at(self, methodology_id: int, at: datetime) -> PreparedVersion | None:
        """The version of a loaded methodology in force at ``at`` (as FiledVersions.in_force)."""
        for version in self._versions[methodology_id]:
            if version.effective_from <= at and (
                version.effective_to is None or at < version.effective_to
            ):
                return version
        return None
