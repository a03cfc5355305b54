"""Serial numbers as text and ranges: parsing, tiling faults and taking the lowest serials."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.market import serials


def test_a_block_and_a_serial_parse_back() -> None:
    label = serials.batch_label("JLCH-CL-001", 202611, 7)
    assert label == "CN-JL-PH-JLCH-CL-001-202611-007"
    block = serials.parse(serials.block_text(label, 3, 25))
    assert block == serials.SerialRange("JLCH-CL-001", 202611, 7, 3, 25)
    one = serials.parse(f" {label.lower()}-12 ")
    assert (one.start, one.end, one.methodology_code) == (12, 12, "JLCH-CL-001")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CN-JL-PH",
        "CN-JL-PH-JLCH-CL-001-202611-007",  # no serial
        "CN-JL-PH-JLCH-CL-001-202613-007-1",  # month 13
        "CN-JL-PH-JLCH-CL-001-202611-007-9-3",  # end before start
        "CN-JL-PH-JLCH-CL-001-202611-007-0",  # serials start at 1
        "CN-JL-PH-JLCH-CL-001-202611-07-1",  # batch number too short
        "CN-JL-PH-JLCH-CL-001-202611-007-1-2-3",
        "XX-JL-PH-JLCH-CL-001-202611-007-1",
        "CN-JL-PH-JLCH-CL-001-202611-007-1'; DROP TABLE x",
    ],
)
def test_malformed_text_is_refused(text: str) -> None:
    with pytest.raises(serials.MalformedSerial):
        serials.parse(text)


def test_tiling_faults_name_gaps_overlaps_and_overruns() -> None:
    assert serials.tiling_faults(10, [(1, 4), (5, 10)]) == []
    assert serials.tiling_faults(0, []) == []
    assert serials.tiling_faults(10, [(1, 4), (6, 10)]) == ["gap 5-5"]
    assert serials.tiling_faults(10, [(1, 5), (5, 10)]) == ["overlap 5-5"]
    assert serials.tiling_faults(10, [(1, 11)]) == ["beyond total 10"]
    assert serials.tiling_faults(10, [(1, 8)]) == ["gap 9-10"]


@given(
    st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=8),
    st.data(),
)
def test_taking_the_lowest_serials_keeps_the_union(sizes: list[int], data: st.DataObject) -> None:
    ranges, start = [], 1
    for size in sizes:
        ranges.append((start, start + size - 1))
        start += size
    total = start - 1
    tonnes = data.draw(st.integers(min_value=1, max_value=total))
    taken = serials.take_lowest(ranges, tonnes)
    assert sum(end - s + 1 for s, end in taken) == tonnes
    assert taken[0][0] == 1 and taken[-1][1] == tonnes
    assert serials.tiling_faults(tonnes, taken) == []
    with pytest.raises(ValueError):
        serials.take_lowest(ranges, total + 1)
