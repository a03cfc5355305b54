"""What the benchmarks share: a fresh PostgreSQL database made and dropped around a run, the
app migrated on it, the tables settled before anything is timed, and gunicorn serving the app
on a local port until the run ends."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def sqlalchemy_url(pg_url: str) -> str:
    """``pg_url`` (libpq style) as SQLAlchemy's URL with the psycopg 3 driver."""
    return pg_url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def fresh_database(pg_url: str, label: str) -> Iterator[str]:
    """A new, empty PostgreSQL database beside ``pg_url``'s, named after ``label`` and this
    process; yields its libpq URL and drops it afterwards, connections and all."""
    name = f"bench_{label}_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_app(url: str, **config: Any) -> Iterator[Any]:
    """The app on ``url`` (SQLAlchemy style, or libpq), migrated to the head; its connections
    closed afterwards. ``config`` adds to the benchmark settings (secret, TESTING)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url),
            "SECRET_KEY": "bench",
            "TESTING": True,
            **config,
        }
    )
    try:
        with app.app_context():
            flask_migrate.upgrade()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def settle(backend: str) -> None:
    """Statistics up to date and no dirty pages left from the work before the timed part."""
    db.session.commit()
    if backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CHECKPOINT"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


@contextmanager
def gunicorn(
    pg_url: str,
    port: int,
    options: Sequence[str],
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn serving ``wsgi:app`` on ``pg_url`` at 127.0.0.1:``port`` with ``options``
    (workers, worker class), once it answers /healthz; stopped afterwards."""
    command = [str(Path(sys.executable).with_name("gunicorn")), *options]
    command.extend(["-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"])
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, "DATABASE_URL": pg_url, **(env or {})}
    )
    try:
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer /healthz")
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)
