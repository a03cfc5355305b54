"""Settings read from the environment (DESIGN.md §10)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

JILIN_TIMEZONE = "Asia/Shanghai"


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


def _secret_key(instance_path: Path, is_production: bool) -> str:
    """SECRET_KEY from the environment; in development generated once and kept in instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if is_production:
        raise ConfigError("SECRET_KEY must be set in production (FLASK_ENV/PORTAL_ENV=production).")
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _certificate_keys(instance_path: Path, is_production: bool) -> str:
    """The PEM bundle of the certificate signing keys (``portal.certificates.keys``): from
    ``CERTIFICATE_KEYS`` (the PEM text itself), else in development a P-256 key generated once
    into ``instance/certificate_keys.pem``. Production refuses to start without it, since a key
    made on one machine would sign credentials no other machine's JWK Set lists."""
    bundle = os.environ.get("CERTIFICATE_KEYS")
    if bundle:
        return bundle
    if is_production:
        raise ConfigError("CERTIFICATE_KEYS must be set in production (the PEM signing key).")
    key_file = instance_path / "certificate_keys.pem"
    if key_file.exists():
        return key_file.read_text()
    from portal.certificates.keys import generate_key_pem

    instance_path.mkdir(parents=True, exist_ok=True)
    bundle = generate_key_pem()
    key_file.write_text(bundle)
    key_file.chmod(0o600)
    return bundle


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'portal.db'}"
    # psycopg 3 is the only PostgreSQL driver we install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _whole_number(name: str, default: int, least: int) -> int:
    raw = os.environ.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) < least:
        raise ConfigError(f"{name} must be a whole number, at least {least}, not {raw!r}.")
    return int(raw)


def _engine_options(database_url: str) -> dict[str, Any]:
    """The connection pool: each connection checked before use, and on a server database as
    many kept open per process as ``DATABASE_POOL_SIZE`` (10). A process serving more requests
    at once (gunicorn's ``--threads``) opens the rest for one request each: a new PostgreSQL
    backend per request, which costs more than the request itself."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if not database_url.startswith("sqlite"):
        options["pool_size"] = _whole_number("DATABASE_POOL_SIZE", 10, 1)
    return options


def _proxy_hops() -> int:
    """How many reverse proxies of ours stand in front of the app (``TRUSTED_PROXY_HOPS``).

    Each appends the address it saw to X-Forwarded-For; only that many entries from the right
    are believed, so with none (the default) a client cannot choose its own address."""
    raw = os.environ.get("TRUSTED_PROXY_HOPS", "0").strip()
    if not raw.isdigit():
        raise ConfigError(
            f"TRUSTED_PROXY_HOPS must be a whole number of proxies (0 or more), not {raw!r}."
        )
    return int(raw)


def load_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the Flask config mapping; ``overrides`` (tests) win over the environment."""
    overrides = overrides or {}
    env = os.environ.get("PORTAL_ENV", "development")
    is_production = env == "production"
    redis_url = os.environ.get("REDIS_URL")
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or _database_url(instance_path)
    config: dict[str, Any] = {
        "PORTAL_ENV": env,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "fixed-window",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": JILIN_TIMEZONE,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": is_production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": is_production,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "PRIVACY_NOTICE_VERSION": "2026-11",
        "POINTS_PER_KG": int(os.environ.get("POINTS_PER_KG", "1000")),
        "QUANTIFY_WORKERS": int(os.environ.get("QUANTIFY_WORKERS", "1")),
        # Points earned in a year expire at the end of the N-th year after it; 0: never.
        "POINTS_EXPIRY_YEARS": int(os.environ.get("POINTS_EXPIRY_YEARS", "1")),
        # Hours after a team challenge ends in which late partner data still counts.
        "TEAM_PK_REVIEW_HOURS": _whole_number("TEAM_PK_REVIEW_HOURS", 48, 0),
        # Hours an unpaid order of registry tonnes holds them before the expiry job frees them.
        "ORDER_EXPIRY_HOURS": _whole_number("ORDER_EXPIRY_HOURS", 72, 1),
        # The operator's bank account that buyers transfer to (shown with the order number).
        "MARKET_BANK_ACCOUNT": os.environ.get(
            "MARKET_BANK_ACCOUNT", "6217 0000 2026 0000 888 (demo)"
        ),
        # Registry pooling: a vintage month is pooled once it ended this many days ago (late
        # partner data), and this share of each batch's tonnes (basis points) is its buffer.
        "REGISTRY_POOL_DELAY_DAYS": _whole_number("REGISTRY_POOL_DELAY_DAYS", 7, 0),
        "REGISTRY_BUFFER_BP": _whole_number("REGISTRY_BUFFER_BP", 500, 0),
        "SCHEDULER_LOCK_FILE": str(instance_path / "scheduler.lock"),
        # The admin dashboard warns when the scheduler's heartbeat is older than this.
        "SCHEDULER_STALE_MINUTES": int(os.environ.get("SCHEDULER_STALE_MINUTES", "5")),
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "TRUSTED_PROXY_HOPS": _proxy_hops(),
    }
    config.update(overrides)
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(instance_path, is_production)
    if "CERTIFICATE_KEYS" not in config:
        config["CERTIFICATE_KEYS"] = _certificate_keys(instance_path, is_production)
    return config
