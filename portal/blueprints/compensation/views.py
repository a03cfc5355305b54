"""The public 以碳代偿 register: the cases (by 案号, court, type, the defendant's public name,
tonnes required and retired, state and deadline) and each case's page. The defendant's real
name is never given to these templates."""

from __future__ import annotations

from flask import abort, request
from werkzeug.wrappers import Response

from portal.blueprints.compensation import bp
from portal.blueprints.shared.case_labels import CaseProgress, case_labels
from portal.market.cases import queries
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp.context_processor(case_labels)


@bp.get("")
def index() -> Response:
    state = request.args.get("state") or None
    pagination = queries.list_public_cases(state=state, page=page_arg())
    return render(
        "compensation/index.html",
        pagination=pagination,
        state=state,
        retired=queries.retired_tonnes_by_case(c.id for c in pagination.items),
    )


@bp.get("/<int:case_id>")
def case(case_id: int) -> Response:
    item = queries.get_case(case_id)
    if item is None:
        abort(404)
    return render(
        "compensation/case.html",
        case=item,
        progress=CaseProgress(queries.retired_tonnes(item.id), item.required_tonnes),
        retirements=queries.list_case_retirements(item.id),
    )
