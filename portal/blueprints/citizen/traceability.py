"""Where the citizen's pooled reductions went, at ``/me/traceability``: the registry batches
their saleable reductions were pooled into and the retirements of those batches' tonnes, as
sentences in the reader's language (built from codes and parameters, never stored prose)."""

from __future__ import annotations

from flask_login import current_user
from werkzeug.wrappers import Response

from portal.blueprints.citizen import bp
from portal.blueprints.shared.retirement_labels import retirement_labels
from portal.market.traceability import list_batch_traces
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp.context_processor(retirement_labels)


@bp.get("/traceability")
def traceability() -> Response:
    pagination, traces = list_batch_traces(current_user.id, page_arg())
    return render("citizen/traceability.html", pagination=pagination, traces=traces)
