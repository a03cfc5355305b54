"""Methodologies, versions, factors, the pure quantification engine and its seed data.

``models`` (tables), ``services`` (governance commands), ``queries`` (reads) and
``permissions`` (who may do what, asked by services and pages alike); ``engine/`` quantifies and
caps without a database; ``versions`` is a version's recipe and its stored JSON, ``seed_specs``
(with ``seed_fields``) the 22 seed methodologies read from ``data/``; ``categories``,
``catalog`` and ``units`` are the fixed tables they share.
"""
