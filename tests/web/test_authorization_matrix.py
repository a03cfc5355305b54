"""Walks every registered route as anonymous and as every role, against ``AUDIENCES``.

A route added by a later issue is checked automatically; a blueprint missing from
``AUDIENCES`` fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter

from portal.accounts.models import Role
from portal.blueprints import AUDIENCES
from tests import factories

ANONYMOUS = "anonymous"


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            values = {
                arg: 1 if isinstance(rule._converters[arg], IntegerConverter) else "x"
                for arg in rule.arguments
            }
            path = app.url_for(rule.endpoint, **values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, path))
    return routes


def _holds(user: factories.User, required: Role | frozenset[Role]) -> bool:
    """Whether ``user`` holds the role, or one of the set of roles, a blueprint requires."""
    roles = {required} if isinstance(required, Role) else required
    return any(user.has_role(role) for role in roles)


def test_every_blueprint_has_an_audience(app: Flask) -> None:
    blueprints = {
        rule.endpoint.partition(".")[0]
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    assert blueprints <= set(AUDIENCES), blueprints - set(AUDIENCES)


@pytest.mark.parametrize("who", [ANONYMOUS, *Role], ids=str)
def test_guards(app: Flask, client: FlaskClient, db: Any, who: str) -> None:
    user = None if who == ANONYMOUS else factories.make_user_with_role(Role(who))
    checked = 0
    for endpoint, method, path in _routes(app):
        blueprint = endpoint.partition(".")[0]
        required = AUDIENCES[blueprint][1]
        if user is not None:
            factories.log_in(client, user)  # re-login: a route such as logout ends the session
        response = client.open(path, method=method)
        response.close()  # ends a streamed body (a dump) now, in request order
        where = f"{method} {path} as {who}"
        assert response.status_code < 500, where
        if required == "public":
            assert response.status_code not in (401, 403), where
        elif required == "signed":
            # No signature, whoever is logged in: writes are refused, the published spec is not.
            assert response.status_code == (401 if method == "POST" else 200), where
        elif user is None:
            assert response.status_code in (302, 401), where
            if response.status_code == 302:
                assert "/auth/login" in response.headers["Location"], where
        elif isinstance(required, Role | frozenset) and not _holds(user, required):
            assert response.status_code == 403, where
        else:
            assert response.status_code not in (401, 403), where
        checked += 1
    assert checked > 10
