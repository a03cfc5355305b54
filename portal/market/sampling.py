"""The sample audit of a batch (pure): how many contributions an official reviews, and which.

Rule ``sqrt`` (the only one so far, stored on the batch as ``sample_rule`` and translated when
shown): of ``N`` contributions the sample holds ``n = min(N, max(10, ⌈√N⌉))`` — every record of
a batch of ten or fewer, ten of a hundred, a thousand of a million.

The draw is reproducible from the seed recorded on the batch: ``random.Random(seed)`` picks
``n`` distinct positions in the list of the batch's contribution ids in ascending order, and
the sample is the contributions at those positions, in draw order. :func:`redraw_sample` does
it again from the seed and the ids, so anyone holding both can check the sample was not chosen.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Sequence
from math import isqrt

SQRT_RULE = "sqrt"
SAMPLE_RULES = (SQRT_RULE,)
MIN_SAMPLE = 10


def ceil_sqrt(number: int) -> int:
    """⌈√number⌉ for a whole number, exactly (no floating point)."""
    root = isqrt(number)
    return root if root * root == number else root + 1


def sample_size(population: int, rule: str = SQRT_RULE) -> int:
    """How many of ``population`` contributions rule ``rule`` samples."""
    if rule != SQRT_RULE:
        raise ValueError(f"unknown sample rule {rule!r}")
    if population < 0:
        raise ValueError("a population is not negative")
    return min(population, max(MIN_SAMPLE, ceil_sqrt(population)))


def new_seed() -> str:
    """A fresh seed (32 hexadecimal digits) for a batch's draw."""
    return secrets.token_hex(16)


def draw_sample(seed: str, ordered_ids: Sequence[int], size: int) -> list[int]:
    """``size`` of ``ordered_ids`` (ascending) drawn with ``seed``, in draw order."""
    if list(ordered_ids) != sorted(ordered_ids):
        raise ValueError("the ids must be in ascending order")
    positions = random.Random(seed).sample(range(len(ordered_ids)), size)
    return [ordered_ids[position] for position in positions]


def redraw_sample(seed: str, ids: Iterable[int], rule: str = SQRT_RULE) -> list[int]:
    """The sample a batch of contributions ``ids`` (any order) gets from ``seed``: the check."""
    ordered = sorted(ids)
    return draw_sample(seed, ordered, sample_size(len(ordered), rule))
