"""Teams (组队) for signed-in citizens: my teams, creating one, a team's page, the captain's
tools and joining by invite link or code."""

from flask import Blueprint

bp = Blueprint("teams", __name__)

from portal.blueprints.teams import challenges, views  # noqa: E402,F401
