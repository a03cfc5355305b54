"""Ecology officials: methodology review and filing, and the flagged-record review queue."""

from flask import Blueprint

bp = Blueprint("official", __name__)

from portal.blueprints.official import methodologies, reviews  # noqa: E402,F401
