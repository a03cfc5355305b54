"""The citizen's own pages (``views``), their carbon account (``account``), their notification
inbox (``notifications``) and their badge wall (``badges``)."""

from flask import Blueprint

bp = Blueprint("citizen", __name__)

from portal.blueprints.citizen import account, badges, notifications, views  # noqa: E402,F401
