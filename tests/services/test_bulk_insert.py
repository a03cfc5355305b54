"""``bulk_insert`` writes every row of a generator longer than one slice, exactly once, on
both databases (COPY on PostgreSQL; executemany slices elsewhere)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, select

from portal import db as portal_db
from portal.db import bulk_insert, session

PROBE = Table("bulk_insert_probe", MetaData(), Column("n", Integer), Column("word", Text))


def test_a_long_generator_is_written_in_slices(monkeypatch: pytest.MonkeyPatch, db: Any) -> None:
    monkeypatch.setattr(portal_db, "ROWS_PER_EXECUTEMANY", 3)
    PROBE.create(session().connection())
    bulk_insert(PROBE, ["n", "word"], ((n, f"w{n}") for n in range(7)))
    assert session().scalar(select(func.count()).select_from(PROBE)) == 7
    written = session().execute(select(PROBE.c.n, PROBE.c.word).order_by(PROBE.c.n)).all()
    assert [tuple(row) for row in written] == [(n, f"w{n}") for n in range(7)]


def test_nothing_to_insert_writes_nothing(db: Any) -> None:
    PROBE.create(session().connection())
    bulk_insert(PROBE, ["n", "word"], iter(()))
    assert session().scalar(select(func.count()).select_from(PROBE)) == 0
