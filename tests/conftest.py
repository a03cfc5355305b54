"""Shared fixtures: ``app`` (migrated once per session), ``db`` (one rolled-back transaction per
test), ``client``, ``login_as(role)``, ``pg_app`` for tests that commit on PostgreSQL, and the
callable factories of the ``tests/factories`` package.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import flask_migrate
import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from portal import create_app
from portal.accounts.models import Role, User
from portal.certificates.keys import generate_key_pem
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.market import purposes
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
# Speed is measured in benchmarks/, never asserted by a test: no per-example deadline for the
# property tests, which a busy CI machine would trip.
settings.register_profile("portal", deadline=None)
settings.load_profile("portal")
# The purpose checks register on first import: load them now, so a test that replaces one
# (monkeypatch.setitem) never races the first import and loses the real check afterwards.
purposes.load_checks()
# One certificate signing key for the whole run, never the developer's own in instance/.
TEST_CERTIFICATE_KEYS = generate_key_pem()


def normalise_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def reset_postgres(url: str) -> None:
    """Start from an empty schema so migrations run from the first revision."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def needs_postgresql(why: str) -> pytest.MarkDecorator:
    """Skip a module's tests on SQLite, saying why they need PostgreSQL."""
    return pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith("postgres"),
        reason=f"needs PostgreSQL (set TEST_DATABASE_URL): {why}",
    )


@contextmanager
def dedicated_database(suffix: str, folder: Path) -> Iterator[str]:
    """A database of its own, for tests whose clients commit (browser, parallel workers, a job
    killed mid-run): a fresh PostgreSQL database beside ``TEST_DATABASE_URL`` (dropped
    afterwards), or a SQLite file in ``folder``."""
    if not TEST_DATABASE_URL.startswith("postgres"):
        yield f"sqlite:///{folder / f'{suffix}.db'}"
        return
    url = make_url(normalise_url(TEST_DATABASE_URL))
    name = f"{url.database}_{suffix}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def downgraded_to(revision: str) -> Iterator[None]:
    """Downgrade the current app's database to ``revision`` and, for as long as the block runs,
    give its old tables the nullable columns (and those with a constant server default) today's
    models have and later migrations add (``users.deleted_at``, say), so today's factories and
    services can write the old rows a migration test needs; they are dropped again at the end,
    before the test upgrades."""
    flask_migrate.downgrade(revision=revision)
    _db.session.remove()
    added: list[tuple[str, str]] = []
    with _db.engine.begin() as conn:
        # The inspector on this connection: another would hold SQLite's write lock meanwhile.
        inspector = sa_inspect(conn)
        tables = set(inspector.get_table_names())
        for table in _db.metadata.sorted_tables:
            if table.name not in tables:
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                default = getattr(column.server_default, "arg", None)
                if column.name in present or not (column.nullable or isinstance(default, str)):
                    continue
                kind = column.type.compile(dialect=conn.dialect)
                if not column.nullable:  # NOT NULL with a constant server default
                    kind = f"{kind} NOT NULL DEFAULT '{default}'"
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
                added.append((table.name, column.name))
    try:
        yield
    finally:
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table_name, column_name in added:
                conn.execute(text(f'ALTER TABLE "{table_name}" DROP COLUMN "{column_name}"'))


@contextmanager
def dedicated_app(suffix: str, folder: Path) -> Iterator[Flask]:
    """A migrated app on a ``dedicated_database``, its connections closed afterwards."""
    with dedicated_database(suffix, folder) as url:
        app = make_app(url, SCHEDULER_LOCK_FILE=str(folder / "lock"))
        try:
            yield app
        finally:
            with app.app_context():
                _db.engine.dispose()


@pytest.fixture(scope="module")
def pg_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """A ``dedicated_app`` shared by one module's tests, whose threads or processes commit
    (races, concurrent workers); its database is named after the module."""
    name = _module_name(request)
    with dedicated_app(name, tmp_path_factory.mktemp(name)) as app:
        yield app


@pytest.fixture
def pg_app_per_test(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """A ``dedicated_app`` of one test's own, for tests that count every row of a table after
    their workers committed (a shared database would hold the rows of the tests before)."""
    with dedicated_app(f"{_module_name(request)}_{request.node.name[-12:]}", tmp_path) as app:
        yield app


def _module_name(request: pytest.FixtureRequest) -> str:
    return request.module.__name__.rpartition(".")[2].removeprefix("test_")


def make_app(database_url: str, **overrides: Any) -> Flask:
    """A migrated app on ``database_url`` with test settings."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "CERTIFICATE_KEYS": TEST_CERTIFICATE_KEYS,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Always let Flask-Limiter install its hooks (it skips them for an app built while the
        # shared limiter is switched off); tests switch it on with the ``rate_limits`` fixture.
        "RATELIMIT_ENABLED": True,
        "SCHEDULER_LOCK_FILE": str(
            Path(database_url.rpartition("/")[2] or "x").with_suffix(".lock")
        ),
        **overrides,
    }
    app = create_app(config)
    limiter.enabled = False  # on for the tests that ask for ``rate_limits``
    if database_url.startswith("postgresql"):
        reset_postgres(database_url)
    with app.app_context():
        flask_migrate.upgrade()
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    if TEST_DATABASE_URL:
        url = normalise_url(TEST_DATABASE_URL)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    lock = tmp_path_factory.mktemp("lock") / "scheduler.lock"
    application = make_app(url, SCHEDULER_LOCK_FILE=str(lock))
    # Uploads and other instance files go to a temporary folder, never the developer's own.
    application.instance_path = str(tmp_path_factory.mktemp("instance"))
    yield application
    with application.app_context():
        _db.engine.dispose()


class _TestSession(scoped_session):  # type: ignore[type-arg]
    """The test's one session. Each request pushes its own app context (so ``g`` and the
    logged-in user do not leak between requests, as in production) and Flask-SQLAlchemy's
    teardown calls ``remove()``; here that must not close the session the test still uses."""

    def remove(self) -> None:
        self.registry().expire_all()

    def close_for_good(self) -> None:
        super().remove()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """Everything a test writes happens inside one outer transaction that is rolled back.

    Services still call ``commit()``; with ``join_transaction_mode="create_savepoint"`` that only
    releases a savepoint. A plain SQLAlchemy session is used because Flask-SQLAlchemy's
    ``get_bind`` would route model queries to the engine rather than the test connection.
    """
    with app.app_context():
        connection = _db.engine.connect()
    outer = connection.begin()
    original = _db.session
    test_session = _TestSession(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    _db.session = test_session
    try:
        yield _db
    finally:
        test_session.close_for_good()
        _db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    return factories.make_user


@pytest.fixture
def make_org(db: Any) -> Callable[..., Any]:
    return factories.make_org


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[..., User]:
    """``login_as("official")`` creates a user holding that role and logs the client in as them."""

    def login(role: Role | str = Role.CITIZEN, **user_fields: Any) -> User:
        user = factories.make_user_with_role(Role(role), **user_fields)
        factories.log_in(client, user)
        return user

    return login


@pytest.fixture
def methodologies(db: Any) -> dict[str, Any]:
    """The 22 seed methodologies, filed; keyed by code."""
    from portal.methodology.models import Methodology
    from portal.methodology.services import seed_filed_methodologies

    seed_filed_methodologies()
    return {m.code: m for m in db.session.scalars(select(Methodology))}


@pytest.fixture
def rate_limits(app: Flask) -> Iterator[None]:
    """Turn rate limiting on for one test, with fresh counters."""
    limiter.enabled = True
    limiter.reset()
    try:
        yield
    finally:
        limiter.reset()
        limiter.enabled = False


@pytest.fixture
def csrf_on(app: Flask) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
