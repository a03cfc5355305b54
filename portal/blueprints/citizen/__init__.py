"""The citizen's own pages (``views``), their carbon account (``account``) and their notification
inbox (``notifications``)."""

from flask import Blueprint

bp = Blueprint("citizen", __name__)

from portal.blueprints.citizen import account, notifications, views  # noqa: E402,F401
