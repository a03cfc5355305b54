"""The 以碳代偿 demo: two open cases recorded by the demo court official, real-patterned, and
nothing more on a second run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.demo.accounts import seed_accounts
from portal.demo.cases import seed_cases
from portal.market.cases.models import Case


def test_the_demo_records_two_open_cases_once(db: Any) -> None:
    seed_accounts()
    value, appraisal = seed_cases()
    assert (value.required_tonnes, value.public_defendant_zh) == (69, "王某")
    assert (appraisal.required_tonnes, appraisal.method) == (40, "appraisal_tonnes")
    assert value.state == appraisal.state == "open"
    seed_cases()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
