"""The points mall: anyone browses offers; citizens redeem them and keep their vouchers.

Two blueprints: ``mall`` (public: the list and an offer's page) and ``vouchers`` (citizens
only: the confirmation step, my vouchers with their QR codes, cancelling)."""

from flask import Blueprint

bp = Blueprint("mall", __name__)
vouchers_bp = Blueprint("vouchers", __name__)

from portal.blueprints.mall import views, vouchers  # noqa: E402,F401
