"""The citizen's own pages (``views``), their carbon account (``account``), their notification
inbox (``notifications``) and their data: download and account deletion (``privacy``)."""

from flask import Blueprint

bp = Blueprint("citizen", __name__)

from portal.blueprints.citizen import account, notifications, privacy, views  # noqa: E402,F401
