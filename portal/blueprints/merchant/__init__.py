"""Merchant staff: their merchant's offers (create, edit with history, publish, pause).

The blueprint guard admits anyone holding the merchant role; each merchant's pages are further
limited to its own staff (404 for another merchant's staff, as the services answer NotFound).
"""

from flask import Blueprint

bp = Blueprint("merchant", __name__)

from portal.blueprints.merchant import views  # noqa: E402,F401
