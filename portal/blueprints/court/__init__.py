"""The court's pages: a court or procuratorate's 以碳代偿 cases, recording and editing them."""

from flask import Blueprint

bp = Blueprint("court", __name__)

from portal.blueprints.court import views  # noqa: E402,F401
