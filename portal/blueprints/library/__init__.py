"""The public methodology library: every filed methodology, its versions, factors and history."""

from flask import Blueprint

bp = Blueprint("library", __name__)

from portal.blueprints.library import views  # noqa: E402,F401  routes attach to bp
