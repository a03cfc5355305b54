"""Browser tests: Debian's chromium driven by pytest-playwright against a live server thread.

The live server uses its own database (a file SQLite, or a separate PostgreSQL database beside
``TEST_DATABASE_URL``) because the browser's requests must see committed data.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal.demo import seed_demo
from portal.extensions import db
from tests.conftest import dedicated_database, make_app

# Debian's chromium when there is one, else Playwright's own build (scripts/ensure-browser,
# run by `make test`, installs one of the two or stops with a message first).
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-extensions",
]

# The machine is shared by chromium, the live server and its database: wait longer than 5 s.
expect.set_options(timeout=15_000)


# Werkzeug's development server closes a response only after draining the socket; when the
# browser has already moved on, the drain raises ConnectionResetError first and a static file's
# handle is left to the garbage collector. That is the live server's leak, not the portal's.
STATIC_FILE_LEAKS = (
    "ignore:unclosed file <_io.BufferedReader name='[^']*/portal/static/:ResourceWarning",
    "ignore:Exception ignored in. <_io.FileIO name='[^']*/portal/static/"
    ":pytest.PytestUnraisableExceptionWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            for leak in STATIC_FILE_LEAKS:
                item.add_marker(pytest.mark.filterwarnings(leak))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A phone-sized screen and a Chinese browser: most of our users.
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 390, "height": 844}}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app behind the live server, on its own database with the demo data."""
    with dedicated_database("e2e", tmp_path_factory.mktemp("e2e")) as url:
        app = make_app(url, SCHEDULER_LOCK_FILE=str(tmp_path_factory.mktemp("e2e-lock") / "lock"))
        app.instance_path = str(tmp_path_factory.mktemp("instance"))
        with app.app_context():
            seed_demo(points_per_kg=1000, upload_dir=tmp_path_factory.mktemp("uploads"))
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
