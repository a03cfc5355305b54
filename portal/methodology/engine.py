"""The pure quantification engine: formula evaluation and per-person caps.

No Flask, no database, no clock: every input is an argument, every output a value. The engine
works on anything shaped like :class:`FormulaSpec`, so the YAML seed specs and a methodology
version stored in the database (with its frozen factor snapshot) are quantified by the same
code.

Units and invariants:

* a formula yields kg CO2e; results are integer grams, rounded down, never negative;
* activity quantities and factor values are :class:`~decimal.Decimal`, never float;
* caps count Asia/Shanghai calendar days, months and years.

A formula is checked against an AST whitelist and compiled once per spec into nested Python
closures over Decimal values, never ``eval``; it is hand-written rather than left to a library
such as simpleeval because that library's tree walk made most of a measured 8-19 µs per record,
the whitelist it needed was ours already, and the issue asks for no more than an AST whitelist.

This module is the bottom layer of the methodology package: ``specs`` builds on these types,
never the other way round, so the engine can be reused without loading any YAML.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, DecimalException
from functools import cached_property, lru_cache
from operator import itemgetter
from types import MappingProxyType
from typing import Final, Literal, NamedTuple, Protocol, TypedDict

from portal.clock import bounds_utc, local_date, next_day, next_month, next_year
from portal.methodology.units import DECIMAL_CONTEXT, convert

Confidence = Literal["published", "derived", "estimate"]
Period = Literal["day", "month", "year"]
LimitKind = Literal["records", "quantity", "grams"]
PERIODS: Final[tuple[Period, ...]] = ("day", "month", "year")
LIMIT_KINDS: Final[tuple[LimitKind, ...]] = ("records", "quantity", "grams")

# The name the activity quantity (already in the methodology's activity unit) takes in a formula.
QUANTITY_NAME: Final = "Q"
MAX_FORMULA_LENGTH: Final = 400

_ZERO = Decimal(0)
_GRAMS_PER_KG = Decimal(1000)


# --------------------------------------------------------------------------- data types


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

    Values are Decimal and never negative; a flag is exactly 0 or 1.
    """

    name: str
    unit: str
    label_zh: str
    label_en: str
    default: Decimal | None = None
    is_flag: bool = False


@dataclass(frozen=True)
class PeriodCap:
    """Limits for one person in one calendar period; ``None`` means no limit of that kind.

    ``grams``: CO2e credited; ``quantity``: activity in the methodology's activity unit;
    ``records``: records credited.
    """

    grams: int | None = None
    quantity: Decimal | None = None
    records: int | None = None


# (index in a buckets_for() tuple, period, limits) of a period that has a limit.
_CappedPeriod = tuple[int, Period, PeriodCap]


@dataclass(frozen=True)
class Caps:
    """Per-person caps per Asia/Shanghai day, month and year."""

    day: PeriodCap = PeriodCap()
    month: PeriodCap = PeriodCap()
    year: PeriodCap = PeriodCap()

    def for_period(self, period: Period) -> PeriodCap:
        """Return the limits of ``period``."""
        limits: PeriodCap = getattr(self, period)
        return limits

    @cached_property
    def _capped(self) -> tuple[_CappedPeriod, ...]:
        return tuple(
            (index, period, limits)
            for index, period in enumerate(PERIODS)
            if (limits := self.for_period(period)) != PeriodCap()
        )

    def capped_periods(self) -> tuple[Period, ...]:
        """Return the periods with at least one limit, shortest first."""
        return tuple(period for _, period, _ in self._capped)


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


class FormulaError(ValueError):
    """A formula outside the safe arithmetic subset, or one that cannot be evaluated.

    ``reason`` says which, for callers that explain it in the reader's language: ``too_long``,
    ``syntax`` (with the 1-based character ``position``), ``not_allowed`` (a construct, call or
    literal outside the subset) or ``evaluation`` (anything found while evaluating)."""

    def __init__(self, message: str, reason: str = "evaluation", position: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.position = position


class ParameterError(ValueError):
    """A record parameter that is missing, unknown, negative, or not a valid flag."""


# ------------------------------------------------------------------------------ formulas

_Binary = Callable[[Decimal, Decimal], Decimal]
_Unary = Callable[[Decimal], Decimal]
# A compiled formula (or part of one): reads the per-record names (Q and the record parameters)
# from a mapping and returns a Decimal.
_Compiled = Callable[[Mapping[str, Decimal]], Decimal]

_BINARY: Final[Mapping[type[ast.operator], _Binary]] = {
    ast.Add: DECIMAL_CONTEXT.add,
    ast.Sub: DECIMAL_CONTEXT.subtract,
    ast.Mult: DECIMAL_CONTEXT.multiply,
    ast.Div: DECIMAL_CONTEXT.divide,
}
_UNARY: Final[Mapping[type[ast.unaryop], _Unary]] = {
    ast.USub: DECIMAL_CONTEXT.minus,
    ast.UAdd: DECIMAL_CONTEXT.plus,
}
_FUNCTIONS: Final[Mapping[str, Callable[..., Decimal]]] = {"max": max, "min": min}
_ALLOWED_NODES: Final = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    *_BINARY,
    *_UNARY,
)


def _literal(node: ast.Constant) -> Decimal:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormulaError(f"only numeric literals are allowed, not {value!r}", "not_allowed")
    # repr gives the shortest string that round-trips, i.e. the literal as written (0.3, not
    # 0.299999...), so the Decimal is exact.
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise FormulaError(f"literal {value!r} is not finite", "not_allowed")
    return number


@lru_cache(maxsize=256)
def _parse(formula: str) -> ast.Expression:
    if len(formula) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"formula longer than {MAX_FORMULA_LENGTH} characters", "too_long")
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(
            f"formula {formula!r} does not parse: {exc.msg}", "syntax", exc.offset
        ) from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise FormulaError(
                f"formula {formula!r} uses {type(node).__name__}; only numbers, names, "
                "+ - * / ( ) and max/min are allowed",
                "not_allowed",
            )
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS):
                raise FormulaError(
                    f"formula {formula!r} calls something other than max/min", "not_allowed"
                )
            if node.keywords or len(node.args) < 2:
                raise FormulaError(
                    f"max/min in {formula!r} take two or more plain arguments", "not_allowed"
                )
        elif isinstance(node, ast.Constant):
            _literal(node)
    return tree


@lru_cache(maxsize=256)
def formula_names(formula: str) -> frozenset[str]:
    """Return the variable names ``formula`` uses (not the max/min it calls).

    Raises :class:`FormulaError` unless the formula is one expression made only of numeric
    literals, names, ``+ - * /``, unary signs, parentheses and ``max``/``min`` calls, and is at
    most :data:`MAX_FORMULA_LENGTH` characters long.
    """
    tree = _parse(formula)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return frozenset(
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called
    )


def _constant(value: Decimal) -> _Compiled:
    return lambda names: value


def _unary(operation: _Unary, operand: _Compiled) -> _Compiled:
    return lambda names: operation(operand(names))


def _binary(operation: _Binary, left: _Compiled, right: _Compiled) -> _Compiled:
    # Left before right, as Python evaluates them.
    return lambda names: operation(left(names), right(names))


def _compile(node: ast.expr, constants: Mapping[str, Decimal]) -> _Compiled:
    """Turn a node of a tree checked by :func:`_parse` into nested closures.

    A name in ``constants`` (a factor) becomes its value; any other name is read, per call, from
    the mapping the compiled function is given.
    """
    if isinstance(node, ast.Constant):
        return _constant(_literal(node))
    if isinstance(node, ast.Name):
        return _constant(constants[node.id]) if node.id in constants else itemgetter(node.id)
    if isinstance(node, ast.UnaryOp):
        return _unary(_UNARY[type(node.op)], _compile(node.operand, constants))
    if isinstance(node, ast.BinOp):
        return _binary(
            _BINARY[type(node.op)], _compile(node.left, constants), _compile(node.right, constants)
        )
    # _parse lets nothing else by.
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    function = _FUNCTIONS[node.func.id]
    arguments = [_compile(argument, constants) for argument in node.args]
    if len(arguments) == 2:  # as every seed formula has it: no list built per call
        return _binary(function, *arguments)
    return lambda names: function(*[argument(names) for argument in arguments])


def _compile_formula(
    formula: str, known: AbstractSet[str], constants: Mapping[str, Decimal]
) -> _Compiled:
    """Check ``formula`` (see :func:`formula_names`) and that it names only ``known``; compile it
    with ``constants`` folded in."""
    missing = formula_names(formula) - known
    if missing:
        raise FormulaError(f"formula {formula!r} names unknown {sorted(missing)}")
    return _compile(_parse(formula).body, constants)


def _evaluate(formula: str, compiled: _Compiled, names: Mapping[str, Decimal]) -> Decimal:
    try:
        result = compiled(names)
    except DecimalException as exc:
        # str() of a decimal signal is a list of classes; its name is the readable part.
        raise FormulaError(f"formula {formula!r} failed: {type(exc).__name__}") from None
    if not isinstance(result, Decimal) or not result.is_finite():
        raise FormulaError(f"formula {formula!r} gave {result!r}, not a finite number")
    return result


def evaluate_formula(formula: str, names: Mapping[str, Decimal]) -> Decimal:
    """Evaluate ``formula`` over ``names`` with Decimal arithmetic; return the Decimal result.

    The formula is checked as in :func:`formula_names`, then compiled into nested Python
    closures over exactly that subset, with literals read as Decimal; never :func:`eval` or
    :func:`compile`. Arithmetic runs in :data:`~portal.methodology.units.DECIMAL_CONTEXT`.
    Raises :class:`FormulaError` for an unsafe or unknown name, division by zero, overflow or a
    non-finite result.
    """
    return _evaluate(formula, _compile_formula(formula, names.keys(), {}), names)


# ------------------------------------------------------------------------ quantification

_NO_PARAMETERS: Final[Mapping[str, Decimal]] = MappingProxyType({})


def snapshot_factor(factor: FactorSpec) -> FactorSnapshot:
    """Return ``factor`` as stored with a reduction: value as an exact string, sources listed."""
    return {
        "value": str(factor.value),
        "unit": factor.unit,
        "basis": factor.basis,
        "confidence": factor.confidence,
        "sources": [
            {"title": s.title, "issuer": s.issuer, "year": s.year, "url": s.url}
            for s in factor.sources
        ],
    }


class Quantifier:
    """A spec made ready to quantify many records: the formula checked and compiled with the
    factor values folded in, the factor snapshot built once. Calling it quantifies one record
    (see :func:`quantify`); the quantify job keeps one per methodology version.

    Raises :class:`FormulaError` at once when a name is bound twice (a factor and a record
    parameter of the same name) or the formula uses a name that is neither.
    """

    def __init__(self, spec: FormulaSpec) -> None:
        self.activity_unit = spec.activity_unit
        self.formula = spec.formula
        self._parameters = tuple(spec.parameters)
        self._parameter_names = frozenset(p.name for p in self._parameters)
        bound: set[str] = set()
        for name in (
            QUANTITY_NAME,
            *(f.name for f in spec.factors),
            *(p.name for p in self._parameters),
        ):
            if name in bound:
                raise FormulaError(f"name {name!r} is bound twice")
            bound.add(name)
        self._compiled = _compile_formula(
            spec.formula, bound, {f.name: f.value for f in spec.factors}
        )
        self.factor_snapshot: Mapping[str, FactorSnapshot] = MappingProxyType(
            {f.name: snapshot_factor(f) for f in spec.factors}
        )

    def _record_names(self, q: Decimal, given: Mapping[str, Decimal]) -> dict[str, Decimal]:
        """Return ``Q`` and every record parameter as used (defaults applied), checked."""
        if not given.keys() <= self._parameter_names:
            unknown = given.keys() - self._parameter_names
            raise ParameterError(f"unknown record parameters {sorted(unknown)}")
        names = {QUANTITY_NAME: q}
        for parameter in self._parameters:
            value = given.get(parameter.name, parameter.default)
            if value is None:
                raise ParameterError(f"record parameter {parameter.name!r} is required")
            if not isinstance(value, Decimal) or not value.is_finite() or value < _ZERO:
                raise ParameterError(
                    f"record parameter {parameter.name!r} must be a finite Decimal >= 0, "
                    f"not {value!r}"
                )
            if parameter.is_flag and value not in (0, 1):
                raise ParameterError(f"flag {parameter.name!r} must be 0 or 1, not {value}")
            names[parameter.name] = value
        return names

    def __call__(
        self, quantity: Decimal, unit: str, params: Mapping[str, Decimal] | None = None
    ) -> Quantification:
        if not isinstance(quantity, Decimal):
            raise TypeError(f"quantity must be a Decimal, not {type(quantity).__name__}")
        if not quantity.is_finite() or quantity < _ZERO:
            raise ValueError(f"quantity must be finite and >= 0, not {quantity}")
        q = convert(quantity, unit, self.activity_unit)
        names = self._record_names(q, params or _NO_PARAMETERS)
        exact_grams = DECIMAL_CONTEXT.multiply(
            _evaluate(self.formula, self._compiled, names), _GRAMS_PER_KG
        )
        gross_grams = math.floor(exact_grams)
        # Positional: keyword arguments would cost ~0.4 µs more per record.
        return Quantification(
            gross_grams if gross_grams > 0 else 0,
            exact_grams,
            exact_grams < _ZERO,
            q,
            self.activity_unit,
            self.formula,
            names,
            self.factor_snapshot,
        )


def quantify(
    spec: FormulaSpec,
    quantity: Decimal,
    unit: str,
    params: Mapping[str, Decimal] | None = None,
) -> Quantification:
    """Quantify one record: ``quantity`` of ``unit`` through ``spec``'s formula, in grams CO2e.

    The quantity is converted into the spec's activity unit (``Q``), the formula is evaluated
    over ``Q``, the factor values and the record parameters, and its kg CO2e result becomes
    integer grams rounded down. A negative result is credited as 0 and flagged
    ``is_negative_clamped``. Caps are not applied here (see :func:`apply_caps`). To quantify
    many records by one spec, build a :class:`Quantifier` once and call it.

    Raises ``TypeError`` for a non-Decimal quantity, ``ValueError`` for a negative one,
    :class:`~portal.methodology.units.UnitMismatch` for a unit of another dimension,
    :class:`ParameterError` and :class:`FormulaError`.
    """
    return Quantifier(spec)(quantity, unit, params)


# ---------------------------------------------------------------------------------- caps


class Bucket(NamedTuple):
    """One Asia/Shanghai calendar period; ``start`` is its first day (a month's 1st, Jan 1st).

    A named tuple: hashed and compared in C, which counts where the quantify job keys usage by
    bucket for every record.
    """

    period: Period
    start: date

    def end(self) -> date:
        """Return the first day after this period."""
        if self.period == "day":
            return next_day(self.start)
        if self.period == "month":
            return next_month(self.start)
        return next_year(self.start)

    def bounds_utc(self) -> tuple[datetime, datetime]:
        """Return the period as a half-open ``[start, end)`` pair of aware UTC datetimes."""
        return bounds_utc(self.start, self.end())


def buckets_for(occurred_at: datetime) -> tuple[Bucket, Bucket, Bucket]:
    """Return the day, month and year buckets (Asia/Shanghai) of an aware datetime."""
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise ValueError(f"occurred_at must be timezone-aware, not {occurred_at!r}")
    return _buckets_of(local_date(occurred_at))


@lru_cache(maxsize=4096)
def _buckets_of(day: date) -> tuple[Bucket, Bucket, Bucket]:
    return (
        Bucket("day", day),
        Bucket("month", day.replace(day=1)),
        Bucket("year", date(day.year, 1, 1)),
    )


@dataclass(frozen=True)
class Usage:
    """What a person has been credited within one bucket (grams, activity quantity, records)."""

    grams: int = 0
    quantity: Decimal = _ZERO
    records: int = 0


NO_USAGE: Final = Usage()


@dataclass(frozen=True)
class CapUsage:
    """Usage per bucket earned before the records now being capped (the DB layer sums it)."""

    used: Mapping[Bucket, Usage] = field(default_factory=dict)


# Built once per record, like Quantification, hence not frozen (see there).
@dataclass(slots=True)
class CapInput:
    """One record of one person under one methodology, already quantified.

    ``occurred_at`` is aware (UTC in practice); ``quantity`` is in the activity unit.
    ``buckets`` are ``buckets_for(occurred_at)`` when the caller has them already.
    """

    record_id: int
    occurred_at: datetime
    gross_grams: int
    quantity: Decimal
    buckets: tuple[Bucket, Bucket, Bucket] | None = None


@dataclass(slots=True)
class CapResult:
    """A record after caps: ``net_grams + capped_grams == gross_grams``.

    ``credited_quantity`` and ``is_counted`` (whether the record took a slot under a records
    cap) are what the record adds to its buckets' :class:`Usage`; the DB layer stores them so
    the next :class:`CapUsage` can be summed. ``capped_by`` / ``capped_limit`` name the limit
    that removed grams, or are ``None`` when nothing was removed.
    """

    record_id: int
    gross_grams: int
    net_grams: int
    capped_grams: int
    credited_quantity: Decimal
    is_counted: bool
    capped_by: Period | None
    capped_limit: LimitKind | None


@dataclass(slots=True)
class _Tally:
    """A bucket's running :class:`Usage` while :func:`apply_caps` works through the records."""

    grams: int
    quantity: Decimal
    records: int


def _check_cap_input(item: CapInput) -> tuple[Bucket, Bucket, Bucket]:
    """Refuse a malformed record; return its buckets."""
    # Refuse a naive datetime before sorting compares it (buckets_for does too).
    if item.occurred_at.tzinfo is None or item.occurred_at.utcoffset() is None:
        raise ValueError(f"record {item.record_id}: occurred_at must be timezone-aware")
    buckets = item.buckets or buckets_for(item.occurred_at)
    if isinstance(item.gross_grams, bool) or not isinstance(item.gross_grams, int):
        raise TypeError(f"record {item.record_id}: gross_grams must be an int")
    if item.gross_grams < 0:
        raise ValueError(f"record {item.record_id}: gross_grams must be >= 0")
    if not isinstance(item.quantity, Decimal) or not item.quantity.is_finite():
        raise TypeError(f"record {item.record_id}: quantity must be a finite Decimal")
    if item.quantity < _ZERO:
        raise ValueError(f"record {item.record_id}: quantity must be >= 0")
    return buckets


def _prorated(gross_grams: int, room: Decimal, quantity: Decimal) -> int:
    """floor(gross_grams x room / quantity), exactly, for 0 <= room < quantity."""
    # Integer ratios keep the share exact, so a record that fits exactly keeps every gram; they
    # give what Fraction arithmetic gives at a tenth of its cost.
    room_numerator, room_denominator = room.as_integer_ratio()
    quantity_numerator, quantity_denominator = quantity.as_integer_ratio()
    return (gross_grams * room_numerator * quantity_denominator) // (
        room_denominator * quantity_numerator
    )


def _cap_one(item: CapInput, tallies: Sequence[tuple[_CappedPeriod, _Tally]]) -> CapResult:
    # Each limit that would remove grams proposes (net it allows, rank, period, kind); the
    # smallest net wins, ties going to the shorter period and then to records < quantity <
    # grams, so the reported cap is the one a citizen would recognise first. A limit the record
    # fits within proposes nothing, so most records build no proposal at all.
    gross_grams = item.gross_grams
    proposals: list[tuple[int, int, Period, LimitKind]] = []
    credited = item.quantity
    is_refused = False
    for (period_rank, period, limit), tally in tallies:
        rank = period_rank * len(LIMIT_KINDS)
        if limit.records is not None and tally.records >= limit.records:
            is_refused = True
            proposals.append((0, rank, period, "records"))
        if limit.quantity is not None:
            room = limit.quantity - tally.quantity
            room = room if room > _ZERO else _ZERO  # as max(_ZERO, room), without the call
            if room < item.quantity:
                credited = min(credited, room)
                net = _prorated(gross_grams, room, item.quantity)
                proposals.append((net, rank + 1, period, "quantity"))
        if limit.grams is not None:
            room_grams = limit.grams - tally.grams
            if room_grams < gross_grams:
                proposals.append((max(0, room_grams), rank + 2, period, "grams"))
    binding = min(proposals) if proposals else None
    if binding is None or binding[0] >= gross_grams:
        net_grams, capped_by, capped_limit = gross_grams, None, None
    else:
        net_grams, _, capped_by, capped_limit = binding
    # Positional, as for Quantification.
    return CapResult(
        item.record_id,
        gross_grams,
        net_grams,
        gross_grams - net_grams,
        _ZERO if is_refused else credited,
        not is_refused,
        capped_by,
        capped_limit,
    )


def apply_caps(
    items: Sequence[CapInput], caps: Caps, prior: CapUsage | None = None
) -> list[CapResult]:
    """Apply one person's caps to their records under one methodology.

    Records are taken in order of ``occurred_at`` (ties by ``record_id``), each bucketed into
    its Asia/Shanghai day, month and year; ``prior`` is what the person was already credited in
    those buckets. A records cap refuses a record once the bucket holds that many; a quantity cap
    credits the share of the record that fits (grams pro rata, rounded down); a grams cap credits
    what room is left. Results come back in processing order.

    Invariants: ``0 <= net_grams <= gross_grams``; within any bucket, prior plus this set's net
    grams, credited quantity and counted records stay within that bucket's caps (if prior
    already exceeds a cap, nothing more is credited there). Pure: ``items`` and ``prior`` are
    not changed.
    """
    checked = [(item, _check_cap_input(item)) for item in items]
    checked.sort(key=lambda pair: (pair[0].occurred_at, pair[0].record_id))
    used = prior.used if prior is not None else {}
    # Only capped periods can limit anything, so only theirs are tallied: per capped period, a
    # running tally per bucket, keyed by the bucket's start (a date hashes faster than a
    # Bucket) and begun from prior.
    periods: list[tuple[_CappedPeriod, dict[date, _Tally]]] = [
        (capped, {}) for capped in caps._capped
    ]
    results: list[CapResult] = []
    for item, buckets in checked:
        tallies: list[tuple[_CappedPeriod, _Tally]] = []
        for capped, by_start in periods:
            bucket = buckets[capped[0]]
            tally = by_start.get(bucket.start)
            if tally is None:
                before = used.get(bucket, NO_USAGE)
                tally = by_start[bucket.start] = _Tally(
                    before.grams, before.quantity, before.records
                )
            tallies.append((capped, tally))
        result = _cap_one(item, tallies)
        for _capped, tally in tallies:
            tally.grams += result.net_grams
            tally.quantity += result.credited_quantity
            tally.records += result.is_counted
        results.append(result)
    return results
