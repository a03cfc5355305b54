"""Whose address is it: X-Forwarded-For is believed only for the proxy hops the configuration
names (none by default), so without a proxy of ours a client cannot pick its own address and
escape the login and sign-up rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from portal import create_app
from portal.config import ConfigError, load_config
from portal.extensions import limiter


def _address_app(tmp_path: Any, **config: Any) -> Flask:
    """An app (no database needed) with one route that answers the address it sees."""
    enabled = limiter.enabled  # binding the shared limiter to another app switches it on
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", **config}
    )
    limiter.enabled = enabled
    app.add_url_rule("/whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    return app


@pytest.fixture
def forged() -> Iterator[dict[str, str]]:
    yield {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_by_default_no_forwarded_header_is_believed(tmp_path: Any, forged: Any) -> None:
    seen = _address_app(tmp_path).test_client().get("/whoami", headers=forged)
    assert seen.text == "127.0.0.1 http"


def test_the_configured_proxy_hops_are_believed(tmp_path: Any) -> None:
    client = _address_app(tmp_path, TRUSTED_PROXY_HOPS=1).test_client()
    # The client wrote the first address; our one proxy appended the address it saw.
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"}
    assert client.get("/whoami", headers=headers).text == "203.0.113.9 https"


@pytest.mark.parametrize("raw", ["-1", "one", "1.5"])
def test_a_bad_hop_count_is_refused(tmp_path: Any, monkeypatch: Any, raw: str) -> None:
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", raw)
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS"):
        load_config(tmp_path)


def test_a_forwarded_header_does_not_change_the_rate_limit_key(
    client: FlaskClient, db: Any, rate_limits: None
) -> None:
    codes = [
        client.post(
            "/auth/login",
            data={"login": "13700000000", "password": "Wrong2026pass"},
            headers={"X-Forwarded-For": f"198.51.100.{attempt}"},
        ).status_code
        for attempt in range(11)
    ]
    assert codes == [422] * 10 + [429]
    signup = {"X-Forwarded-For": "198.51.100.200"}
    for _ in range(10):
        client.post("/auth/register", data={"login": "x"}, headers=signup)
    assert client.post("/auth/register", data={"login": "x"}, headers=signup).status_code == 429
