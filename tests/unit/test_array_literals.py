"""Array parameters sent to PostgreSQL as one text literal (portal.db): what they write, and
what they refuse rather than send."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

from portal.db import DateArray, IntArray, TextArray

DIALECT = postgresql.psycopg.dialect()  # type: ignore[attr-defined]


def literal(array_type: Any, values: Any) -> Any:
    return array_type.bind_processor(DIALECT)(values)


def test_literals() -> None:
    assert literal(IntArray(), [1, -2, 30_000_000_000]) == "{1,-2,30000000000}"
    assert literal(IntArray(), []) == "{}"
    assert literal(IntArray(), None) is None
    assert literal(DateArray(), [date(2026, 11, 24), date(2026, 1, 1)]) == (
        "{2026-11-24,2026-01-01}"
    )
    assert literal(TextArray(), ["day", 'a "b"', "c\\d", "x,y"]) == (
        '{"day","a \\"b\\"","c\\\\d","x,y"}'
    )


@pytest.mark.parametrize("values", [[1.5], [True], ["1,2"], [None], [1, "x"]])
def test_an_int_array_refuses_anything_but_whole_numbers(values: list[Any]) -> None:
    # "1,2" would quietly become two ids; 1.5 must not be cut down to 1.
    with pytest.raises(ValueError, match="not a BIGINT array"):
        literal(IntArray(), values)
