"""What the portal sends down the wire: HTML (and JSON) compressed per request by Flask-Compress,
static files under hashed names (Flask-Static-Digest's ``flask digest compile``, run by
``make install``) served by WhiteNoise ahead of Flask with their gzip and brotli copies, a
year-plus ``immutable`` lifetime for hashed names and a short one for the plain names."""

from __future__ import annotations

from flask import Flask
from flask_static_digest.digester import DIGESTED_FILE_REGEX
from werkzeug.datastructures import Headers
from whitenoise import WhiteNoise

from portal.extensions import compress, static_digest

# A plain name (``css/app.css``) may change under a running server; a hashed one never does.
PLAIN_NAME_MAX_AGE = 60


def _static_headers(headers: Headers, path: str, url: str) -> None:
    # WhiteNoise answers before Flask, so the after-request security headers never see these.
    headers["X-Content-Type-Options"] = "nosniff"


def _serve_static(app: Flask) -> None:
    """WhiteNoise answers ``/static/…`` for the files it knows and passes anything else on to
    Flask, whose static route 404s. Outside production it looks the files up on each request,
    so a rebuild under a running development server is picked up."""
    assert app.static_folder and app.static_url_path
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=app.static_folder,
        prefix=app.static_url_path,
        autorefresh=app.config["PORTAL_ENV"] != "production",
        max_age=PLAIN_NAME_MAX_AGE,
        allow_all_origins=False,
        immutable_file_test=DIGESTED_FILE_REGEX,
        add_headers_function=_static_headers,
    )


def init_app(app: Flask) -> None:
    app.config.setdefault("FLASK_STATIC_DIGEST_COMPRESSION", ["gzip", "brotli"])
    # Only what the views render: static files arrive compressed ahead of time.
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "application/json", "text/csv"])
    compress.init_app(app)
    static_digest.init_app(app)  # reads static/cache_manifest.json; templates get static_url_for
    _serve_static(app)
