"""碳惠吉林 application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from portal.config import load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, CLI, error pages. No I/O but config."""
    app = Flask(__name__, instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    app.config.from_mapping(load_config(Path(app.instance_path), config))

    from portal import cli, web
    from portal.blueprints import register_blueprints
    from portal.clock import SHANGHAI
    from portal.extensions import babel, csrf, db, htmx, limiter, migrate
    from portal.scheduler import table as job_table
    from portal.web.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: SHANGHAI.key)
    htmx.init_app(app)
    limiter.init_app(app)
    web.init_app(app)
    register_blueprints(app)
    cli.init_app(app)
    job_table.init_app(app)
    return app
