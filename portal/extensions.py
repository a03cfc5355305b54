"""Unbound extension objects; ``create_app`` binds them with ``init_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_static_digest import FlaskStaticDigest
from flask_wtf.csrf import CSRFProtect

from portal.db import db

__all__ = [
    "babel",
    "compress",
    "csrf",
    "db",
    "htmx",
    "limiter",
    "login_manager",
    "migrate",
    "static_digest",
]

migrate = Migrate(render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address)
compress = Compress()
static_digest = FlaskStaticDigest()
