"""A batch's arithmetic and its sample (pure): grams are conserved along a chain of batches,
the buffer is the rounded-up share, the sample is the rule's size and redraws from its seed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.market.sampling import ceil_sqrt, draw_sample, redraw_sample, sample_size
from portal.market.tonnes import GRAMS_PER_TONNE, batch_numbers


def test_the_numbers_of_one_batch() -> None:
    numbers = batch_numbers(25_300_000, 900_000, 500)
    assert numbers.pooled_grams == 26_200_000
    assert (numbers.total_tonnes, numbers.buffer_tonnes, numbers.issued_tonnes) == (26, 2, 24)
    assert numbers.carry_out_grams == 200_000


def test_a_batch_under_a_tonne_has_no_tonne_and_carries_everything() -> None:
    numbers = batch_numbers(400_000, 500_000, 500)
    assert numbers.total_tonnes == numbers.buffer_tonnes == 0
    assert numbers.carry_out_grams == 900_000


@pytest.mark.parametrize(
    ("contributed", "carry", "bp"), [(-1, 0, 500), (0, GRAMS_PER_TONNE, 500), (0, 0, 10_001)]
)
def test_impossible_inputs_are_refused(contributed: int, carry: int, bp: int) -> None:
    with pytest.raises(ValueError):
        batch_numbers(contributed, carry, bp)


@given(
    st.lists(st.integers(min_value=0, max_value=50 * GRAMS_PER_TONNE), min_size=1, max_size=30),
    st.integers(min_value=0, max_value=10_000),
)
def test_a_chain_of_batches_conserves_every_gram(months: list[int], buffer_bp: int) -> None:
    carry = 0
    tonnes = buffer = 0
    for grams in months:
        numbers = batch_numbers(grams, carry, buffer_bp)
        assert numbers.issued_tonnes + numbers.buffer_tonnes == numbers.total_tonnes
        assert numbers.buffer_tonnes * 10_000 >= numbers.total_tonnes * buffer_bp
        assert (numbers.buffer_tonnes - 1) * 10_000 < numbers.total_tonnes * buffer_bp
        assert 0 <= numbers.carry_out_grams < GRAMS_PER_TONNE
        tonnes += numbers.issued_tonnes
        buffer += numbers.buffer_tonnes
        carry = numbers.carry_out_grams
    assert (tonnes + buffer) * GRAMS_PER_TONNE + carry == sum(months)


@pytest.mark.parametrize(
    ("population", "size"),
    [(0, 0), (1, 1), (10, 10), (11, 10), (100, 10), (101, 11), (10_000, 100), (10**6, 1000)],
)
def test_the_sqrt_rule(population: int, size: int) -> None:
    assert sample_size(population) == size


@given(st.integers(min_value=0, max_value=10**12))
def test_ceil_sqrt_is_exact(number: int) -> None:
    root = ceil_sqrt(number)
    assert root * root >= number and (root == 0 or (root - 1) ** 2 < number)


@given(st.text(min_size=1, max_size=32), st.sets(st.integers(1, 10**9), max_size=400))
def test_the_sample_redraws_from_its_seed(seed: str, ids: set[int]) -> None:
    ordered = sorted(ids)
    drawn = draw_sample(seed, ordered, sample_size(len(ordered)))
    assert len(set(drawn)) == len(drawn) == sample_size(len(ordered))
    assert set(drawn) <= ids
    assert redraw_sample(seed, reversed(ordered)) == drawn


def test_ids_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError):
        draw_sample("seed", [3, 1, 2], 2)
