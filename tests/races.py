"""Forcing a race on PostgreSQL: two threads, each with its own connection, run the same call
and are held at their ``INSERT INTO <table>`` until both have made their checks, so both insert
and the database's unique constraints decide. Shared by the unique-key race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event

from portal.extensions import db


def race_at_insert(app: Flask, table: str, call: Callable[[int], Any]) -> list[Any]:
    """Run ``call(thread)`` for threads 0 and 1 at once inside ``app``, both held at their
    first INSERT into ``table``; return each result, or the exception it raised, in the order
    they finished. Fails if a thread is still running after a minute."""
    return race_at_statement(app, f"INSERT INTO {table} ", call)


def race_at_statement(app: Flask, prefix: str, call: Callable[[int], Any]) -> list[Any]:
    """As :func:`race_at_insert`, both threads held at their first statement starting with
    ``prefix`` (``"UPDATE quiz_attempts "``, say)."""
    with app.app_context():
        engine = db.engine
    at_insert = threading.Barrier(2, timeout=30)

    def hold(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(prefix):
            at_insert.wait()  # both have made their check; now both insert

    results: list[Any] = []

    def race(thread: int) -> None:
        with app.app_context():
            try:
                results.append(call(thread))
            except BaseException as error:  # surfaced to the test
                results.append(error)
            finally:
                db.session.remove()

    event.listen(engine, "before_cursor_execute", hold)
    try:
        threads = [threading.Thread(target=race, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    assert not any(t.is_alive() for t in threads)
    return results
