"""URL converters registered on the app before any blueprint's routes are added."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

from portal.db import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in our URLs names a row: a number past a 64-bit key matches no route (404)
    instead of overflowing the database's integer."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ROW_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)
