"""Low-carbon science (科普): the public quiz list and quiz pages, and citizens' attempts."""

from flask import Blueprint

bp = Blueprint("learn", __name__)

from portal.blueprints.learn import views  # noqa: E402,F401
