"""The web layer shared by every blueprint, one module per concern: ``htmx`` (page or fragment),
``security`` (headers, NUL refusal, safe redirects), ``errors`` (error pages, form errors),
``i18n`` (locale and localized fields), ``auth`` (login, role guard, navigation, client
address), ``pagination``, ``routing`` (URL converters), ``evidence`` (private photos) and
``assets`` (compression, hashed static names, cache lifetimes).
Domain packages never import it."""

from __future__ import annotations

from flask import Flask

from portal.web import assets, auth, errors, i18n, security
from portal.web.routing import RowIdConverter


def init_app(app: Flask) -> None:
    """Wire the web layer into ``app``; called by the factory before the blueprints register."""
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint's routes are added
    auth.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
