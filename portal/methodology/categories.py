"""The seven behaviour categories (衣食住行用游 and office), in their fixed display order.

``prefix`` is the two letters of a methodology code (``JLCH-TR-003``); the seed specs check
codes against it and every page that groups methodologies uses this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Category:
    """A behaviour category: ``code`` as in the data file, ``prefix`` as in methodology codes."""

    code: str
    prefix: str
    name_zh: str
    name_en: str


CATEGORIES: Final[tuple[Category, ...]] = (
    Category("clothing", "CL", "衣", "Clothing"),
    Category("food", "FD", "食", "Food"),
    Category("housing", "HS", "住", "Housing"),
    Category("transport", "TR", "行", "Transport"),
    Category("shopping", "SH", "用", "Shopping"),
    Category("travel", "TV", "游", "Travel"),
    Category("office", "OF", "办公", "Office"),
)
