"""Two requests that both pass a service's "is it taken?" check and then both insert, on
PostgreSQL: the later insert hits the unique constraint and its caller gets the same clear
``Conflict`` the check gives, not a database error (a 500 in the browser).

The race is forced, not hoped for: a hook holds each thread at its INSERT until both have
made their check. The threads commit, so the test runs in a database of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.accounts import services as accounts
from portal.accounts.models import Membership, Organisation, Role, User
from portal.activities.models import AccountLink
from portal.activities.partners import links
from portal.errors import Conflict
from portal.extensions import db
from portal.methodology.models import Methodology
from tests import factories
from tests.conftest import needs_postgresql
from tests.races import race_at_insert

pytestmark = needs_postgresql("SQLite lets one writer in at a time")

Call = Callable[[int], Any]  # one racer's service call, given its thread number


def _organisations() -> tuple[str, Call, Any]:
    admins = [factories.make_user(is_admin=True).id for _ in range(2)]

    def create(thread: int) -> Any:
        return accounts.create_organisation(
            actor=db.session.get(User, admins[thread]),
            name_zh="长春市第一实验小学",
            name_en="Changchun No. 1 Experimental Primary School",
            kind="school",
            city_code="220100",
        )

    return "organisations", create, select(func.count(Organisation.id))


def _memberships() -> tuple[str, Call, Any]:
    admin, org = factories.make_user(is_admin=True).id, factories.make_org().id
    phone = factories.make_user().phone

    def grant(thread: int) -> Any:
        return accounts.grant_membership(
            actor=db.session.get(User, admin), organisation_id=org, login=phone, role="staff"
        )

    return "memberships", grant, select(func.count(Membership.id))


def _methodologies() -> tuple[str, Call, Any]:
    developer = factories.make_user_with_role(Role.DEVELOPER)
    ids = developer.id, developer.memberships[0].organisation_id

    def draft(thread: int) -> Any:
        return factories.make_draft(db.session.get(User, ids[0]), ids[1], code="JLCH-TR-950")

    return "methodologies", draft, select(func.count(Methodology.id))


def _account_links() -> tuple[str, Call, Any]:
    partner = factories.make_partner(["JLCH-TR-008"]).id
    codes = [links.create_link_code(factories.make_user().id).code for _ in range(2)]

    def link(thread: int) -> Any:
        return links.link_account(partner_id=partner, code=codes[thread], partner_user_ref="card-1")

    return "account_links", link, select(func.count(AccountLink.id))


@pytest.mark.parametrize(
    "setup",
    [_organisations, _memberships, _methodologies, _account_links],
    ids=lambda f: f.__name__.strip("_"),
)
def test_the_later_of_two_racing_inserts_is_a_conflict(
    pg_app: Flask, setup: Callable[[], tuple[str, Call, Any]]
) -> None:
    with pg_app.app_context():
        table, call, count = setup()
        before = db.session.scalar(count)
        db.session.commit()
        db.session.remove()
    results = race_at_insert(pg_app, table, call)
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(results) == 2 and len(conflicts) == 1, results
    assert conflicts[0].field in {"name_zh", "login", "code", "user_ref"}
    with pg_app.app_context():
        assert db.session.scalar(count) == before + 1
        db.session.remove()
