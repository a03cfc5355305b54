"""The organisation buyer's pages: order tonnes of a listing (with a confirmation step), the
organisation's orders with their payment instructions, cancel, and the tonnes it holds."""

from flask import Blueprint

bp = Blueprint("buyer", __name__)

from portal.blueprints.buyer import views  # noqa: E402,F401
