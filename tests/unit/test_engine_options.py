"""The connection pool's settings: each connection pinged before use; on PostgreSQL as many
kept open per process as DATABASE_POOL_SIZE says (gunicorn's threads need one each), and a
value that is not a whole number refused at start-up with the variable's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import ConfigError, load_config

PG = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1/x"}


def test_postgresql_keeps_ten_connections_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_POOL_SIZE", raising=False)
    options = load_config(tmp_path, PG)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {"pool_pre_ping": True, "pool_size": 10}


def test_the_pool_size_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "16")
    assert load_config(tmp_path, PG)["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 16


def test_sqlite_gets_no_pool_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", "16")
    options = load_config(tmp_path, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert options["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


@pytest.mark.parametrize("raw", ["0", "ten", "-3", "2.5"])
def test_a_bad_pool_size_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("DATABASE_POOL_SIZE", raw)
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE"):
        load_config(tmp_path, PG)
