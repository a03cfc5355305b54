"""Serial numbers of tonnes, as text and as ranges: pure functions, no database.

A block of a batch is written ``CN-JL-PH-<methodology code>-<vintage YYYYMM>-<batch no>-<start>-
<end>`` (batch no zero-padded to three digits), one serial ``…-<batch no>-<n>``. Methodology codes
hold hyphens themselves (``JLCH-CL-001``), so the vintage (six digits) and the batch number
(three or more) anchor the parse from the right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PREFIX = "CN-JL-PH"

_SERIAL = re.compile(
    rf"^{PREFIX}-(?P<code>[A-Z0-9]+(?:-[A-Z0-9]+)*?)-(?P<vintage>\d{{6}})-(?P<batch>\d{{3,}})"
    r"-(?P<start>[1-9]\d{0,11})(?:-(?P<end>[1-9]\d{0,11}))?$"
)


class MalformedSerial(ValueError):
    """The text is not a serial number or a block of them."""


@dataclass(frozen=True)
class SerialRange:
    """What a serial (``start == end``) or a block's text names."""

    methodology_code: str
    vintage: int
    batch_no: int
    start: int
    end: int


def batch_label(methodology_code: str, vintage: int, batch_no: int) -> str:
    return f"{PREFIX}-{methodology_code}-{vintage:06d}-{batch_no:03d}"


def block_text(label: str, start: int, end: int) -> str:
    """A block's serial numbers, from a batch's ``label`` (``Batch.label``)."""
    return f"{label}-{start}-{end}"


def parse(text: str) -> SerialRange:
    """Parse one serial or a block (``…-start-end``), ignoring surrounding blanks and case.

    Raises ``MalformedSerial`` for anything else, an end before its start included.
    """
    match = _SERIAL.match(text.strip().upper())
    if match is None:
        raise MalformedSerial(text)
    start = int(match["start"])
    end = int(match["end"]) if match["end"] else start
    if end < start:
        raise MalformedSerial(text)
    vintage = int(match["vintage"])
    if not 1 <= vintage % 100 <= 12:
        raise MalformedSerial(text)
    return SerialRange(match["code"], vintage, int(match["batch"]), start, end)


def tiling_faults(total: int, ranges: Iterable[tuple[int, int]]) -> list[str]:
    """What keeps ``ranges`` (inclusive ``(start, end)`` pairs) from tiling ``1..total`` exactly:
    ``gap a-b``, ``overlap a-b``, ``beyond total n`` or ``reversed a-b`` codes, empty when they
    tile it. ``total`` 0 is tiled by no range."""
    faults: list[str] = []
    expected = 1
    for start, end in sorted(ranges):
        if end < start:
            faults.append(f"reversed {start}-{end}")
            continue
        if start > expected:
            faults.append(f"gap {expected}-{start - 1}")
        elif start < expected:
            faults.append(f"overlap {start}-{min(end, expected - 1)}")
        expected = max(expected, end + 1)
    if expected - 1 > total:
        faults.append(f"beyond total {total}")
    elif expected - 1 < total:
        faults.append(f"gap {expected}-{total}")
    return faults


def take_lowest(ranges: Iterable[tuple[int, int]], tonnes: int) -> list[tuple[int, int]]:
    """The lowest ``tonnes`` serials of ``ranges`` as ranges in order, the last one cut short
    where it is only partly taken. Raises ``ValueError`` when the ranges hold fewer."""
    return [(start, end) for _, start, end in take_in_order(((0, s, e) for s, e in ranges), tonnes)]


def take_in_order(
    ranges: Iterable[tuple[int, int, int]], tonnes: int
) -> list[tuple[int, int, int]]:
    """The first ``tonnes`` serials of ``(batch id, start, end)`` ranges in batch order and,
    within a batch, lowest first (how a move takes them), the last range cut short where it is
    only partly taken. Raises ``ValueError`` for a non-positive ``tonnes`` or when the ranges
    hold fewer."""
    if tonnes <= 0:
        raise ValueError("tonnes must be positive")
    taken: list[tuple[int, int, int]] = []
    left = tonnes
    for batch, start, end in sorted(ranges):
        if left == 0:
            break
        part = min(end - start + 1, left)
        taken.append((batch, start, start + part - 1))
        left -= part
    if left:
        raise ValueError("not enough tonnes")
    return taken
