"""The citizen's own pages (``views``) and their notification inbox (``notifications``)."""

from flask import Blueprint

bp = Blueprint("citizen", __name__)

from portal.blueprints.citizen import notifications, views  # noqa: E402,F401
