"""The pure quantification engine: formula evaluation and per-person caps.

No Flask, no database, no clock: every input is an argument, every output a value. The engine
works on anything shaped like :class:`FormulaSpec`, so the YAML seed specs and a methodology
version stored in the database (with its frozen factor snapshot) are quantified by the same
code.

Units and invariants:

* a formula yields kg CO2e; results are integer grams, rounded down, never negative;
* activity quantities and factor values are :class:`~decimal.Decimal`, never float;
* caps count Asia/Shanghai calendar days, months and years.

Split by what each part computes, each importable alone:

* :mod:`.types` — the data types (factors, sources, record parameters, the spec protocol, a
  record's :class:`Quantification`);
* :mod:`.formula` — the safe formula subset, its compiler and :class:`Quantifier`;
* :mod:`.caps` — calendar buckets, cap limits and :func:`apply_caps`.

This package is the bottom layer of the methodology domain: ``seed_specs`` and ``versions``
build on these types, never the other way round, so the engine can be reused without loading
any YAML. Import its names from here; the modules are its layout, not separate interfaces.
"""

from portal.methodology.engine.caps import (
    LIMIT_KINDS,
    NO_USAGE,
    PERIODS,
    Bucket,
    CapInput,
    CapResult,
    Caps,
    LimitKind,
    Period,
    PeriodCap,
    PriorUsage,
    Usage,
    apply_caps,
    buckets_for,
)
from portal.methodology.engine.formula import (
    MAX_FORMULA_LENGTH,
    FormulaError,
    ParameterError,
    Quantifier,
    evaluate_formula,
    formula_names,
    quantify,
    snapshot_factor,
)
from portal.methodology.engine.types import (
    QUANTITY_NAME,
    Confidence,
    FactorSnapshot,
    FactorSpec,
    FormulaSpec,
    Quantification,
    RecordParameter,
    Source,
    SourceSnapshot,
)

__all__ = [
    "LIMIT_KINDS",
    "MAX_FORMULA_LENGTH",
    "NO_USAGE",
    "PERIODS",
    "QUANTITY_NAME",
    "Bucket",
    "CapInput",
    "CapResult",
    "Caps",
    "Confidence",
    "FactorSnapshot",
    "FactorSpec",
    "FormulaError",
    "FormulaSpec",
    "LimitKind",
    "ParameterError",
    "Period",
    "PeriodCap",
    "PriorUsage",
    "Quantification",
    "Quantifier",
    "RecordParameter",
    "Source",
    "SourceSnapshot",
    "Usage",
    "apply_caps",
    "buckets_for",
    "evaluate_formula",
    "formula_names",
    "quantify",
    "snapshot_factor",
]
