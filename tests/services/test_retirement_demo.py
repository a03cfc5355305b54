"""The demo step retires half of what each organisation holds, once, and does nothing when no
organisation holds tonnes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.db import session
from portal.demo.retirements import seed_retirements
from portal.market.models import Retirement
from portal.market.retirement_queries import held_tonnes
from tests.factories.retirements import make_holder


def test_nothing_held_nothing_retired(db: Any) -> None:
    assert seed_retirements() == []


def test_half_of_each_holding_is_retired_once(methodologies: dict[str, Any]) -> None:
    org, _, _ = make_holder(6)
    (first,) = seed_retirements()
    assert (first.tonnes, first.purpose, first.holder_org_id) == (3, "operations", org.id)
    assert [r.id for r in seed_retirements()] == [first.id]
    assert session().scalar(select(func.count(Retirement.id))) == 1
    assert held_tonnes(org.id) == 3
