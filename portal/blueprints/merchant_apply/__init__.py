"""Any logged-in user: apply on behalf of an organisation to become a merchant, and see the
decision on each application filed."""

from flask import Blueprint

bp = Blueprint("merchant_apply", __name__)

from portal.blueprints.merchant_apply import views  # noqa: E402,F401
