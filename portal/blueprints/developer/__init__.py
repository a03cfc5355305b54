"""Methodology developers (enterprises, associations): draft, edit and submit methodologies."""

from flask import Blueprint

bp = Blueprint("developer", __name__)

from portal.blueprints.developer import views  # noqa: E402,F401
