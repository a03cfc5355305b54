"""Public-welfare projects: the public list and project pages, and citizens' donations."""

from flask import Blueprint

bp = Blueprint("welfare", __name__)

from portal.blueprints.welfare import views  # noqa: E402,F401
