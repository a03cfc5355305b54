"""How a job's worker processes reach the app's database (the quantify pool's workers).

The domain starts the processes; this layer, which knows the app, says how each one gets an
app of its own: ``worker_app_context(app)`` is a picklable callable, so it travels to a
spawned process, builds a copy of the app there and pushes its app context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any

from flask import Flask

from portal.db import db


def worker_app_context(app: Flask) -> Callable[[], AbstractContextManager[None]]:
    """What a worker process enters to reach ``app``'s database: a copy of the app with the
    same database URL (the one its engine connects to) and secret key, its app context
    pushed; the worker's connections are released when it leaves."""
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": app.config["SECRET_KEY"]}
    return partial(_app_in_worker, config)


@contextmanager
def _app_in_worker(config: dict[str, Any]) -> Iterator[None]:
    from portal import create_app  # in the worker: the factory imports this package

    app = create_app(config)
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()
