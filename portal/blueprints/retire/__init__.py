"""An organisation's buyers retire (注销) the tonnes it holds, at /buyer/retire: choose the
organisation, fill in tonnes, purpose and beneficiary, confirm the serials, and see the
organisation's retirements. Each organisation's pages are for its own buyers (404 otherwise)."""

from flask import Blueprint

bp = Blueprint("retire", __name__)

from portal.blueprints.retire import views  # noqa: E402,F401
