"""Partner organisations' staff: CSV upload of behaviour records with a per-row report."""

from flask import Blueprint

bp = Blueprint("partner", __name__)

from portal.blueprints.partner import views  # noqa: E402,F401
