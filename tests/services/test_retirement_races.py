"""Two buyers retiring at once, on PostgreSQL, each held at its retirement row's INSERT until
both have made their checks: a replayed token gives the one retirement to both, and two
retirements that together ask more than is held leave one refused and nothing oversold. The
threads commit, so the test runs in a database of its own."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.errors import Conflict
from portal.extensions import db
from portal.market.models import Retirement
from portal.market.retirement_queries import held_tonnes
from portal.market.retirements import retire
from portal.methodology.services import seed_filed_methodologies
from tests.conftest import needs_postgresql
from tests.factories.retirements import make_holder, retire_args
from tests.races import race_at_insert

pytestmark = needs_postgresql("SQLite lets one writer in at a time")


def _holder(app: Flask, tonnes: int) -> tuple[int, int]:
    with app.app_context():
        seed_filed_methodologies()
        org, buyer, _ = make_holder(tonnes)
        ids = org.id, buyer.id
        db.session.commit()
        db.session.remove()
    return ids


def _retire(org_id: int, buyer_id: int, **args: Any) -> int:
    buyer = db.session.get(User, buyer_id)
    assert buyer is not None
    return retire(buyer, org_id, **retire_args(**args)).id


def test_a_replayed_token_racing_itself_retires_once(pg_app_per_test: Flask) -> None:
    org_id, buyer_id = _holder(pg_app_per_test, 5)
    token = secrets.token_urlsafe(24)
    results = race_at_insert(
        pg_app_per_test,
        "registry_retirements",
        lambda thread: _retire(org_id, buyer_id, tonnes=2, form_token=token),
    )
    assert len(results) == 2 and results[0] == results[1], results
    with pg_app_per_test.app_context():
        assert db.session.scalar(select(func.count(Retirement.id))) == 1
        assert held_tonnes(org_id) == 3
        db.session.remove()


def test_two_retirements_never_retire_more_than_is_held(pg_app_per_test: Flask) -> None:
    org_id, buyer_id = _holder(pg_app_per_test, 3)
    results = race_at_insert(
        pg_app_per_test,
        "registry_retirements",
        lambda thread: _retire(org_id, buyer_id, tonnes=2),
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "int"], results
    assert any(isinstance(r, Conflict) and r.field == "tonnes" for r in results)
    with pg_app_per_test.app_context():
        assert db.session.scalar(select(func.sum(Retirement.tonnes))) == 2
        assert held_tonnes(org_id) == 1
        db.session.remove()
