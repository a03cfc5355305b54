"""A version's formula tried on sample inputs before it is filed: what one activity unit earns,
what a record at the plausible maxima earns, and the most any corner of the plausible ranges
earns, each against the version's tightest grams cap.

Pure (no database, no Flask), like the engine it calls: the methodology forms and the official's
review page show it so that an official sees what a formula mints before filing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Final, Literal

from portal.methodology.engine import (
    PERIODS,
    QUANTITY_NAME,
    FormulaError,
    ParameterError,
    Period,
    Quantifier,
    RecordParameter,
)
from portal.methodology.versions import VersionSpec

SampleKind = Literal["one_unit", "plausible_max", "largest_corner"]
# More parameters than this and the corners (2^(n+1)) are not all tried; the seeds have 2.
MAX_CORNER_PARAMETERS: Final = 6
_ZERO, _ONE = Decimal(0), Decimal(1)


@dataclass(frozen=True)
class Sample:
    """The formula on one set of inputs: ``Q`` and each record parameter, in order.

    ``grams`` is what one record earns before caps (``None`` with a ``problem`` when the formula
    cannot be evaluated on these inputs: the engine's English text, for the form's author).
    """

    kind: SampleKind
    inputs: tuple[tuple[str, Decimal], ...]
    grams: int | None
    problem: str | None = None


@dataclass(frozen=True)
class FormulaPreview:
    """The samples and the tightest grams cap (``cap_grams`` per ``cap_period``, or ``None``)."""

    activity_unit: str
    samples: tuple[Sample, ...]
    cap_grams: int | None
    cap_period: Period | None

    def credited(self, sample: Sample) -> int | None:
        """What one such record credits on an empty period: its grams, or the cap if smaller."""
        if sample.grams is None or self.cap_grams is None:
            return sample.grams
        return min(sample.grams, self.cap_grams)

    def is_capped(self, sample: Sample) -> bool:
        """Whether the grams cap bites on one such record."""
        return self.cap_grams is not None and (sample.grams or 0) > self.cap_grams


def _typical(parameter: RecordParameter) -> Decimal:
    if parameter.default is not None:
        return parameter.default
    if parameter.is_flag or parameter.plausible_max is None:
        return _ONE
    return ((parameter.plausible_min or _ZERO) + parameter.plausible_max) / 2


def _bounds(parameter: RecordParameter) -> tuple[Decimal, ...]:
    high = parameter.plausible_max
    if high is None:
        return (_typical(parameter),)
    return (parameter.plausible_min or _ZERO, high)


def _sample(quantifier: Quantifier, kind: SampleKind, inputs: dict[str, Decimal]) -> Sample:
    quantity = inputs[QUANTITY_NAME]
    params = {name: value for name, value in inputs.items() if name != QUANTITY_NAME}
    try:
        grams: int | None = quantifier(quantity, quantifier.activity_unit, params).gross_grams
        problem = None
    except (FormulaError, ParameterError, ValueError, ArithmeticError) as exc:
        grams, problem = None, str(exc)
    return Sample(kind, tuple(inputs.items()), grams, problem)


def _corners(spec: VersionSpec, max_quantity: Decimal) -> Iterator[dict[str, Decimal]]:
    parameters = spec.parameters[:MAX_CORNER_PARAMETERS]
    rest = {p.name: _typical(p) for p in spec.parameters[MAX_CORNER_PARAMETERS:]}
    for quantity, *values in product((_ZERO, max_quantity), *(_bounds(p) for p in parameters)):
        yield {
            QUANTITY_NAME: quantity,
            **dict(zip((p.name for p in parameters), values, strict=True)),
            **rest,
        }


def preview_formula(spec: VersionSpec) -> FormulaPreview:
    """Try ``spec``'s formula on one activity unit with typical values (defaults, else the middle
    of each range), on the plausible maxima, and on every corner of the plausible ranges (the
    largest is kept when it earns more than the maxima). Quantities are in the activity unit."""
    quantifier = Quantifier(spec)
    max_quantity = spec.plausibility.max_quantity or _ONE
    typical = {QUANTITY_NAME: _ONE, **{p.name: _typical(p) for p in spec.parameters}}
    maxima = {
        QUANTITY_NAME: max_quantity,
        **{p.name: _bounds(p)[-1] for p in spec.parameters},
    }
    samples = [
        _sample(quantifier, "one_unit", typical),
        _sample(quantifier, "plausible_max", maxima),
    ]
    corners = [_sample(quantifier, "largest_corner", c) for c in _corners(spec, max_quantity)]
    largest = max(corners, key=lambda s: -1 if s.grams is None else s.grams)
    if (largest.grams or 0) > (samples[1].grams or 0):
        samples.append(largest)
    capped = [
        (cap.grams, period)
        for period in PERIODS
        if (cap := spec.caps.for_period(period)).grams is not None
    ]
    cap_grams, cap_period = min(capped, key=lambda pair: pair[0]) if capped else (None, None)
    return FormulaPreview(spec.activity_unit, tuple(samples), cap_grams, cap_period)
