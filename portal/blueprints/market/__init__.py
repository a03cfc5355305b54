"""The public market: the open listings of registry tonnes, with each batch's evidence."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

from portal.blueprints.shared.market_labels import market_labels
from portal.blueprints.shared.methodology.display import category_name
from portal.market import trade_queries as queries
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp = Blueprint("market", __name__)
bp.context_processor(market_labels)


@bp.get("")
def index() -> Response:
    pagination = queries.list_open_listings(page_arg())
    batches = queries.get_batches([listing.batch_id for listing in pagination.items])
    return render(
        "market/index.html",
        pagination=pagination,
        batches=batches,
        methodologies=queries.get_methodologies(list(batches.values())),
        available=queries.get_available_tonnes(list(batches)),
        category_name=category_name,
    )
