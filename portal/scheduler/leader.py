"""The leader lock: one scheduler process per database; a second copy waits to take over."""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from flask import Flask
from sqlalchemy import Connection, text

from portal.db import db

# Any constant works as long as nothing else in the database takes the same advisory lock.
ADVISORY_LOCK_KEY = 0x7A6E_4A4C  # "znJL"


class LeaderLock:
    """Exclusive right to run the scheduler: one holder per database.

    PostgreSQL: a session-level advisory lock on a dedicated connection kept open for the life
    of the process (it is released if the process dies); the connection runs in autocommit, so
    it never sits in an open transaction. SQLite: ``flock`` on a file beside the database
    (released by the kernel when the process dies).
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._conn: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def _is_postgres(self) -> bool:
        return str(self.app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql")

    def try_acquire(self) -> bool:
        if self._is_postgres:
            with self.app.app_context():
                conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = bool(
                conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
                ).scalar()
            )
            if got:
                self._conn = conn
            else:
                conn.close()
            return got
        path = Path(self.app.config["SCHEDULER_LOCK_FILE"])
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{socket.gethostname()} {os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            self._conn.close()
            self._conn = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    @contextmanager
    def hold(
        self, poll_seconds: float = 5.0, on_wait: Callable[[], None] | None = None
    ) -> Iterator[None]:
        """Block until the lock is ours, then hold it for the ``with`` body."""
        waited = False
        while not self.try_acquire():
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(poll_seconds)
        try:
            yield
        finally:
            self.release()
