"""The public 以碳代偿 register: every case, its progress and linked retirements, with the
defendant shown by pseudonym only."""

from flask import Blueprint

bp = Blueprint("compensation", __name__)

from portal.blueprints.compensation import views  # noqa: E402,F401
