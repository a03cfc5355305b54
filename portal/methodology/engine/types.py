"""The engine's data types: factors and their sources, record parameters, the spec protocol
and a record's quantification.

Plain frozen (or, for the one built per record, slotted) dataclasses with no behaviour, so the
YAML seed specs (``seed_specs``), the stored versions (``versions``) and the quantify job share
them without loading each other. Factor values and quantities are exact Decimals, never floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal, Protocol, TypedDict

Confidence = Literal["published", "derived", "estimate"]

# The name the activity quantity (already in the methodology's activity unit) takes in a formula.
QUANTITY_NAME: Final = "Q"


@dataclass(frozen=True)
class Source:
    """Where a factor comes from; ``year`` and ``url`` are missing for derivations."""

    title: str
    issuer: str
    year: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class FactorSpec:
    """A named factor bound into a formula.

    ``value`` is an exact Decimal in ``unit`` (per unit of activity, as the data file states);
    ``sources`` are the publications that back it (a scenario's list, or a common factor's own).
    """

    name: str
    value: Decimal
    unit: str
    basis: str
    confidence: Confidence
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class RecordParameter:
    """A value each record must (or may, if it has a default) carry, in ``unit``.

    Values are Decimal and never negative; a flag is exactly 0 or 1. ``plausible_min`` and
    ``plausible_max`` bound what a record may believably carry: outside them the intake flags
    the record for review (``None`` on versions filed before ranges were declared).
    """

    name: str
    unit: str
    label_zh: str
    label_en: str
    default: Decimal | None = None
    is_flag: bool = False
    plausible_min: Decimal | None = None
    plausible_max: Decimal | None = None


class FormulaSpec(Protocol):
    """What :func:`quantify` needs: a YAML spec or a stored methodology version both fit."""

    @property
    def activity_unit(self) -> str: ...

    @property
    def formula(self) -> str: ...

    @property
    def factors(self) -> Sequence[FactorSpec]: ...

    @property
    def parameters(self) -> Sequence[RecordParameter]: ...


class SourceSnapshot(TypedDict):
    title: str
    issuer: str
    year: int | None
    url: str | None


class FactorSnapshot(TypedDict):
    """A factor as it stood when a reduction was computed; JSON-ready (value as a string)."""

    value: str
    unit: str
    basis: str
    confidence: str
    sources: list[SourceSnapshot]


# One is built per record, and a frozen dataclass's __init__ costs ~1 µs more (a setattr call
# per field); nothing changes a result after it is returned.
@dataclass(slots=True)
class Quantification:
    """The outcome of one record's quantification, before caps.

    ``gross_grams`` = max(0, floor(``exact_grams``)); ``exact_grams`` keeps what rounding
    dropped (and the sign, when ``is_negative_clamped``). ``parameters`` holds ``Q`` in the
    activity unit and every record parameter as used (defaults applied).
    """

    gross_grams: int
    exact_grams: Decimal
    is_negative_clamped: bool
    activity_quantity: Decimal
    activity_unit: str
    formula: str
    parameters: Mapping[str, Decimal]
    factor_snapshot: Mapping[str, FactorSnapshot]
