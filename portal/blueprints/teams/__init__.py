"""Teams (组队) for signed-in citizens: my teams, creating one, a team's page, the captain's
tools, joining by invite link or code, and the team's volunteer activities."""

from flask import Blueprint

bp = Blueprint("teams", __name__)

from portal.blueprints.teams import challenges, views, volunteering  # noqa: E402,F401
