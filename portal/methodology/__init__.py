"""Methodologies, versions, factors, the pure quantification engine and its seed data.

``models`` (tables), ``services`` (governance commands, with ``filing``'s flush-only steps),
``queries`` (reads) and ``permissions`` (who may do what, asked by services and pages alike);
``engine/`` quantifies and caps without a database; ``versions`` is a version's recipe and its
stored JSON, ``seed_specs`` (with ``seed_fields``) the 22 seed methodologies read from ``data/``;
``preview`` tries a version's formula on sample inputs before it is filed; ``categories``,
``catalog`` and ``units`` are the fixed tables they share; ``texts`` is what citizens read of
each seed methodology, in both languages.
"""

# The modules the web layer may import (tests/unit/test_import_direction.py holds every blueprint
# to this list); ``seed_specs``, ``seed_fields`` and the engine's inner modules are its own.
PUBLIC_MODULES = (
    "models",
    "services",
    "queries",
    "permissions",
    "engine",
    "versions",
    "preview",
    "categories",
    "catalog",
    "units",
    "texts",
)
