"""The unified social credit code's check character (GB 32100-2015), on real codes and on
each of them altered."""

import pytest

from portal.merchants import uscc

# Published codes: the standard's own example, Tencent (Shenzhen), Huawei, Alibaba (Hangzhou).
REAL = ["91350100M000100Y43", "9144030071526726XG", "914403001922038216", "91330100799655058B"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code: str) -> None:
    assert uscc.is_valid(code)
    assert uscc.check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL)
def test_any_one_character_changed_is_refused(code: str) -> None:
    for position in range(18):
        for char in uscc.ALPHABET:
            if char != code[position]:
                altered = code[:position] + char + code[position + 1 :]
                assert not uscc.is_valid(altered), altered


@pytest.mark.parametrize("code", REAL)
def test_two_neighbours_swapped_are_refused(code: str) -> None:
    for i in range(17):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            # Characters 3-8 stay digits either way; the check character catches the swap.
            assert not uscc.is_valid(swapped), swapped


@pytest.mark.parametrize(
    "code",
    [
        "",
        "9135010",
        "91350100M000100Y4",
        "91350100M000100Y433",
        "91350100M000100YI3",
        "91350100M000100YO3",
        "9135A100M000100Y43",
    ],
)
def test_bad_shapes_are_refused(code: str) -> None:
    assert not uscc.is_valid(code)


def test_normalise_drops_spaces_and_capitalises() -> None:
    assert uscc.normalise(" 9144 0300 7152 6726xg ") == "9144030071526726XG"
    assert uscc.WEIGHTS[:5] == (1, 3, 9, 27, 19)
