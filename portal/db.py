"""Declarative base, UTC datetimes, SQLite connection settings and the ``transaction()`` helper.

Services own the transaction (CONVENTIONS rule 2): each public command runs inside
``with transaction():`` and commits once; helpers called inside only flush. Nested
``transaction()`` blocks join the outermost one, so a service may call another service.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Engine, Integer, MetaData, event
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite drops the offset, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# BIGINT on PostgreSQL; on SQLite only "INTEGER PRIMARY KEY" autoincrements (it is 64-bit there).
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys, WAL and a busy timeout on every SQLite connection.

    ``isolation_level = None`` stops pysqlite from issuing its own BEGIN, so the ``begin``
    listener below can issue ``BEGIN IMMEDIATE`` (SQLAlchemy's documented recipe): writers
    are serialised and SAVEPOINTs work.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_immediate(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_depth: ContextVar[int] = ContextVar("transaction_depth", default=0)


def session() -> Session:
    """The current request's or job's session (Flask-SQLAlchemy's scoped session)."""
    from portal.extensions import db

    return db.session()


@contextmanager
def transaction() -> Iterator[Session]:
    """Run a service command in one database transaction that commits once.

    Inner ``transaction()`` blocks join the outer one; only the outermost commits or rolls back.
    """
    current = session()
    depth = _depth.get()
    token = _depth.set(depth + 1)
    try:
        yield current
        if depth == 0:
            current.commit()
    except BaseException:
        if depth == 0:
            current.rollback()
        raise
    finally:
        _depth.reset(token)
