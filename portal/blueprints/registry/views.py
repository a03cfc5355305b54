"""Public registry pages: anyone reads the issued batches, a batch's blocks (serials, state,
the holding organisation when held or retired) and evidence, and looks a serial up."""

from __future__ import annotations

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from werkzeug.wrappers import Response

from portal.blueprints.registry import bp
from portal.blueprints.registry.dumps import BATCH_COLUMNS, BLOCK_COLUMNS
from portal.market import queries
from portal.market.figures import registry_figures
from portal.market.models import BlockState
from portal.market.serials import MalformedSerial
from portal.web.htmx import render


def state_labels() -> dict[str, str]:
    """Block states in the reader's language."""
    return {
        BlockState.AVAILABLE.value: pgettext("block state", "Available"),
        BlockState.RESERVED.value: pgettext("block state", "Reserved"),
        BlockState.HELD.value: pgettext("block state", "Held"),
        BlockState.RETIRED.value: pgettext("block state", "Retired"),
        BlockState.CANCELLED.value: pgettext("block state", "Cancelled"),
        BlockState.BUFFER.value: pgettext("block state", "Buffer"),
    }


SAMPLE_RULES = {"sqrt": _l("square root of the number of records")}
SERIAL_MAX = 120  # characters of search text read; a serial number is far shorter


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("")
def index() -> Response:
    pagination, batches = queries.list_public_batches(_page())
    return render(
        "registry/index.html",
        pagination=pagination,
        batches=batches,
        serial="",
        states=state_labels(),
    )


@bp.get("/about")
def about() -> Response:
    """The registry's hub: what it is, its key figures and the way to each of its registers."""
    return render("registry/about.html", figures=registry_figures(), serial="", error=None)


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Response:
    found = queries.get_public_batch(batch_id)
    if found is None:
        abort(404)
    return render(
        "registry/batch.html",
        entry=found,
        blocks=queries.list_batch_blocks(batch_id, _page()),
        evidence=queries.get_evidence(found.batch),
        states=state_labels(),
        sample_rules=SAMPLE_RULES,
    )


@bp.get("/search")
def search() -> Response:
    serial = request.args.get("serial", "").strip()[:SERIAL_MAX]
    if not serial:
        return render("registry/search.html", serial="", result=None, error=None)
    try:
        result = queries.find_serial(serial)
    except MalformedSerial:
        error = _l(
            "“%(text)s” is not a serial number. A serial number looks like "
            "CN-JL-PH-JLCH-TR-003-202610-001-42 (a block: …-001-1-100).",
            text=serial,
        )
        return render("registry/search.html", status=422, serial=serial, result=None, error=error)
    if result is None:
        error = _l("No issued batch holds serial number %(text)s.", text=serial)
        return render("registry/search.html", status=404, serial=serial, result=None, error=error)
    return render(
        "registry/search.html", serial=serial, result=result, error=None, states=state_labels()
    )


@bp.get("/data")
def data() -> Response:
    """What the dumps hold, column by column."""
    return render("registry/data.html", batch_columns=BATCH_COLUMNS, block_columns=BLOCK_COLUMNS)
