"""Large events (大型活动碳中和): public list and event pages, and the organiser's area (events,
footprint calculator, linked offers). Organiser actions check the role in the views."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from portal.blueprints.events import views  # noqa: E402,F401
