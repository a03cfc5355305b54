"""The 22 behaviour scenarios grouped by category, for public pages."""

from __future__ import annotations

from dataclasses import dataclass

from portal.methodology.categories import CATEGORIES
from portal.methodology.seed_specs import MethodologySpec, load_specs


@dataclass(frozen=True)
class CategoryGroup:
    code: str
    name_zh: str
    name_en: str
    methodologies: tuple[MethodologySpec, ...]


def scenarios_by_category() -> tuple[CategoryGroup, ...]:
    """Categories in their fixed order, each with its methodologies; empty ones are left out."""
    specs = load_specs()
    groups = []
    for category in CATEGORIES:
        members = tuple(s for s in specs if s.category == category.code)
        if members:
            groups.append(CategoryGroup(category.code, category.name_zh, category.name_en, members))
    return tuple(groups)
