"""Public retirement pages: the paginated list and one retirement by its code (404 unknown)."""

from __future__ import annotations

from flask import abort
from werkzeug.wrappers import Response

from portal.blueprints.retirements import bp
from portal.blueprints.shared.retirement_labels import retirement_labels
from portal.market import retirement_queries as queries
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp.context_processor(retirement_labels)


@bp.get("")
def index() -> Response:
    return render("retirements/index.html", pagination=queries.list_retirements(page_arg()))


@bp.get("/<code>")
def retirement(code: str) -> Response:
    found = queries.get_retirement(code)
    if found is None:
        abort(404)
    return render("retirements/retirement.html", page=queries.get_retirement_page(found))
