"""Campaigns: the public list (current, upcoming, past) and each campaign's page."""

from flask import Blueprint

bp = Blueprint("campaigns", __name__)

from portal.blueprints.campaigns import views  # noqa: E402,F401
