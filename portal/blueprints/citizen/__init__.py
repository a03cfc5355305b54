"""The citizen's own pages (``views``), their carbon account (``account``), their notification
inbox (``notifications``), their badge wall (``badges``) and their data: download and account
deletion (``privacy``)."""

from flask import Blueprint

bp = Blueprint("citizen", __name__)

from portal.blueprints.citizen import (  # noqa: E402,F401
    account,
    badges,
    notifications,
    privacy,
    shares,
    views,
)
