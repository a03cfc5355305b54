"""The public registry: issued batches, their serial blocks and evidence, serial search and
the open-data dumps. Listings, orders and retirements have their own pages."""

from flask import Blueprint

bp = Blueprint("registry", __name__)

from portal.blueprints.registry import dumps, views  # noqa: E402,F401
