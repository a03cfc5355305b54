"""A batch's arithmetic (pure), as ``portal.market.models.Batch`` states it.

``pooled = contributed + carry_in``; ``total = pooled // 10⁶`` tonnes (one serial each);
``buffer = ⌈total × buffer_bp / 10⁴⌉``; ``issued = total − buffer``;
``carry_out = pooled − total × 10⁶`` grams, under one tonne, for the next batch. So
``total × 10⁶ + carry_out == pooled``: no gram is made or lost.
"""

from __future__ import annotations

from dataclasses import dataclass

GRAMS_PER_TONNE = 1_000_000
FULL_SHARE_BP = 10_000


@dataclass(frozen=True)
class BatchNumbers:
    contributed_grams: int
    carry_in_grams: int
    buffer_bp: int
    pooled_grams: int
    total_tonnes: int
    buffer_tonnes: int
    issued_tonnes: int
    carry_out_grams: int


def batch_numbers(contributed_grams: int, carry_in_grams: int, buffer_bp: int) -> BatchNumbers:
    """The numbers of a batch holding ``contributed_grams`` and claiming ``carry_in_grams``."""
    if contributed_grams < 0 or not 0 <= carry_in_grams < GRAMS_PER_TONNE:
        raise ValueError("grams are not negative and a carry is under one tonne")
    if not 0 <= buffer_bp <= FULL_SHARE_BP:
        raise ValueError("the buffer share is 0 to 10,000 basis points")
    pooled = contributed_grams + carry_in_grams
    total = pooled // GRAMS_PER_TONNE
    buffer = -(-total * buffer_bp // FULL_SHARE_BP)  # ceiling of a non-negative quotient
    return BatchNumbers(
        contributed_grams=contributed_grams,
        carry_in_grams=carry_in_grams,
        buffer_bp=buffer_bp,
        pooled_grams=pooled,
        total_tonnes=total,
        buffer_tonnes=buffer,
        issued_tonnes=total - buffer,
        carry_out_grams=pooled - total * GRAMS_PER_TONNE,
    )
