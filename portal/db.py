"""Declarative base, UTC datetimes, SQLite connection settings, the ``transaction()`` helper and
the bulk helper ``bulk_insert`` and the PostgreSQL array parameter types.

Services own the transaction (CONVENTIONS rule 2): each public command runs inside
``with transaction():`` and commits once; helpers called inside only flush. Nested
``transaction()`` blocks join the outermost one, so a service may call another service.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Date,
    DateTime,
    Engine,
    Insert,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    event,
    insert,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator, TypeEngine, UserDefinedType

# PostgreSQL SQLSTATEs of losing a race to another transaction that wrote the same keys.
UNIQUE_VIOLATION = "23505"
DEADLOCK = "40P01"

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
MAX_ROW_ID = 2**63 - 1  # the largest key either column type holds


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


# Unbound, like the other extensions (``portal.extensions`` hands it on); declared here, beside
# the base its models use, so that this module and the extensions import one way only.
db = SQLAlchemy(model_class=Base)


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
    return db.session()


@contextmanager
def unless_taken(conflict: Exception) -> Iterator[None]:
    """Raise ``conflict`` for a unique violation inside. A service's check before an insert
    passes for two concurrent requests alike; the constraint then refuses the later one, which
    is told what the check would have said instead of failing with a database error."""
    try:
        yield
    except IntegrityError as error:
        raise conflict from error


def insert_or_skip(
    table: Any, index_elements: Sequence[str], index_where: ColumnElement[bool] | None = None
) -> Insert:
    """``INSERT … ON CONFLICT (index_elements) DO NOTHING`` into ``table`` (a Table or a mapped
    class) for the session's database: one statement that skips a row whose unique key is
    taken, where two racing writers of one key write one row and the later waits for the
    first, with no savepoint around it. Add ``.values()`` and ``.returning()`` as usual."""
    elements = list(index_elements)
    if session().get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(
            index_elements=elements, index_where=index_where
        )
    return sqlite.insert(table).on_conflict_do_nothing(
        index_elements=elements, index_where=index_where
    )


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


FEW_ROWS = 50
ROWS_PER_EXECUTEMANY = 10_000  # off PostgreSQL: rows bound per statement, so memory stays flat


def bulk_insert(
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    as_text: Collection[str] = (),
) -> None:
    """Insert many rows, given as value tuples in ``columns`` order, in the current transaction.

    On PostgreSQL this is one ``COPY … FROM STDIN`` (no statement per row, no huge parameter
    list); elsewhere, and for a list of fewer than ``FEW_ROWS`` rows and no ``as_text`` (a
    redemption's two ledger entries), executemany in slices of ``ROWS_PER_EXECUTEMANY`` rows,
    each of which SQLAlchemy sends as one ``INSERT … VALUES``: one round trip to the server
    where COPY takes two, and never all of a large insert's parameters in memory at once.
    Values pass through each column type's bind processing (UTC datetimes, JSON) exactly as an
    ``insert()`` would, except in the columns named in ``as_text``, whose values are already
    the text the database stores (JSON serialised by the caller, say). Column defaults are
    not applied, so give every column that needs a value. Flush-only, like every helper inside
    a service.
    """
    connection = session().connection()
    dialect = connection.dialect
    few = not as_text and isinstance(rows, Sequence) and len(rows) < FEW_ROWS
    if dialect.name != "postgresql" or few:
        stmt = insert(table).values({name: bindparam(name, type_=Text()) for name in as_text})
        pending = iter(rows)
        while chunk := list(islice(pending, ROWS_PER_EXECUTEMANY)):
            connection.execute(stmt, [dict(zip(columns, row, strict=True)) for row in chunk])
        return
    processors = [
        (index, processor)
        for index, name in enumerate(columns)
        if name not in as_text
        and (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in columns)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            if processors:
                values = list(row)
                for index, processor in processors:
                    values[index] = processor(values[index])
                copy.write_row(values)
            else:
                copy.write_row(row)


class _ArrayLiteral(UserDefinedType[Sequence[Any]]):
    """A PostgreSQL array parameter sent as one text literal (``{1,2,3}``) and cast in SQL.

    psycopg dumps a list parameter element by element in Python, about 1 µs each; the literal
    is built by ``str.join`` in a fraction of that, which counts when the quantify job sends
    arrays of thousands of keys per statement. The parameter goes out untyped, so the server
    reads ``CAST($1 AS BIGINT[])`` as an array parameter: a constant to the planner, which
    searches it by hash in ``= ANY``. (Cast from a typed text parameter instead, the array is
    computed at run time and ``= ANY`` scans it linearly per row: 500× slower on 5,000 ids.)
    PostgreSQL only; elements may not be None.
    """

    cache_ok = True
    element: TypeEngine[Any]
    item: Callable[[Any], str]  # one element as array-literal text
    valid: re.Pattern[str] | None = None  # what the elements' text must match, if anything

    def bind_expression(self, bindvalue: BindParameter[Any]) -> ColumnElement[Any]:
        return cast(bindvalue, postgresql.ARRAY(self.element))

    def bind_processor(self, dialect: Dialect) -> Callable[[Sequence[Any] | None], str | None]:
        item, valid = self.item, self.valid

        def process(value: Sequence[Any] | None) -> str | None:
            if value is None:
                return None
            text = ",".join(map(item, value))
            if (
                valid is not None
                and value
                and (not valid.fullmatch(text) or text.count(",") != len(value) - 1)
            ):
                raise ValueError(f"not a {self.element} array: {text[:80]!r}")
            return "{" + text + "}"

        return process


class IntArray(_ArrayLiteral):
    cache_ok = True
    element = BigInteger()
    # str itself, not a function around it, and one check of the whole text: the literal is
    # built at C speed, and anything but whole numbers ("1.5", "True", "1,2") is refused.
    item = str
    valid = re.compile(r"-?[0-9]+(,-?[0-9]+)*")


class DateArray(_ArrayLiteral):
    cache_ok = True
    element = Date()
    item = staticmethod(date.isoformat)


class TextArray(_ArrayLiteral):
    cache_ok = True
    element = Text()

    @staticmethod
    def item(value: str) -> str:
        # Double-quoted, with backslashes and quotes escaped: any text round-trips.
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
