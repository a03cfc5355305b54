"""Leaderboards: the public boards, read from the last snapshot the job built."""

from flask import Blueprint

bp = Blueprint("leaderboards", __name__)

from portal.blueprints.leaderboards import views  # noqa: E402,F401
