"""CSV text for downloads, row by row (so a response can stream it), with text cells a
spreadsheet shows as text and never runs as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io

# A spreadsheet runs a cell that begins with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # first in a file, so Excel reads the Chinese as UTF-8


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(*cells: object) -> str:
    """One CSV line, CRLF-terminated."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()
