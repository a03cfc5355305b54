"""Transfer size: pages compressed per request, static files under hashed names with a long
immutable lifetime and their precompressed copies (built by ``make static``, run by ``make
install``)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from portal import create_app

STATIC = Path(__file__).resolve().parents[2] / "portal/static"
HASHED = re.compile(r'(?:href|src)="(/static/([\w/.-]+)-[0-9a-f]{32}(\.[a-z]+))"')
A_YEAR = 365 * 24 * 60 * 60


def linked_assets(page: str) -> dict[str, Path]:
    """Every hashed static URL a page links, with the source file it was made from."""
    found = {url: STATIC / f"{stem}{ext}" for url, stem, ext in HASHED.findall(page)}
    assert found, "no hashed static names in the page: run `make static` (part of make install)"
    return found


def assert_long_lived(headers: Any) -> None:
    cache = headers["Cache-Control"]
    assert "immutable" in cache and "public" in cache
    assert int(re.search(r"max-age=(\d+)", cache)[1]) >= A_YEAR  # type: ignore[index]


def test_a_page_is_gzip_encoded_when_asked_and_varies_by_encoding(
    client: FlaskClient, db: Any
) -> None:
    plain = client.get("/")
    packed = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(packed.data).decode()
    assert "<html" in body and len(packed.data) * 2 < len(plain.data)
    for response in (plain, packed):  # a cache must keep the two apart, and htmx fragments too
        vary = response.headers["Vary"]
        assert "Accept-Encoding" in vary and "HX-Request" in vary


def test_the_page_links_its_css_and_js_by_hashed_name_with_a_long_life(
    client: FlaskClient, db: Any
) -> None:
    assets = linked_assets(client.get("/").text)
    assert any(url.endswith(".css") for url in assets)
    assert any("/static/vendor/htmx-2.0.11.min-" in url for url in assets)
    for url, source in assets.items():
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.data == source.read_bytes()
            assert_long_lived(response.headers)
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_go_out_precompressed(client: FlaskClient, db: Any) -> None:
    for url, source in linked_assets(client.get("/").text).items():
        for encoding, unpack in (("br", brotli.decompress), ("gzip", gzip.decompress)):
            with client.get(url, headers={"Accept-Encoding": encoding}) as response:
                assert response.headers["Content-Encoding"] == encoding
                assert "Accept-Encoding" in response.headers["Vary"]
                assert unpack(response.data) == source.read_bytes()
                assert len(response.data) < source.stat().st_size


def test_an_unknown_static_path_is_not_found(client: FlaskClient, db: Any) -> None:
    for url in ("/static/css/missing.css", f"/static/css/app-{'0' * 32}.css", "/static/../wsgi.py"):
        with client.get(url) as response:
            assert response.status_code == 404, url


def test_production_serves_the_files_it_found_at_start(tmp_path: Path) -> None:
    """Without the development look-up on every request, the same names and headers."""
    app: Flask = create_app(
        {"PORTAL_ENV": "production", "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    app.instance_path = str(tmp_path)
    client = app.test_client()
    with app.test_request_context():
        css = render_template_string("{{ static_url_for('static', filename='css/app.css') }}")
    assert re.fullmatch(r"/static/css/app-[0-9a-f]{32}\.css", css)
    with client.get(css, headers={"Accept-Encoding": "br"}) as response:
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "br"
        assert_long_lived(response.headers)
    assert client.get("/static/css/missing.css").status_code == 404
