"""Staff of partner organisations: their platforms, recent records, and CSV uploads.

The blueprint guard admits anyone holding the partner role; each platform's pages are further
limited to staff of the organisation that runs it (403 for other partners' staff).
"""

from __future__ import annotations

import csv
import io

from flask import Response, abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.activities.intake.checks import FLAG_LABELS
from portal.activities.intake.csv_upload import CSV_COLUMNS, CSV_MAX_BYTES, upload_partner_csv
from portal.activities.intake.parsing import PARAM_PREFIX, request_field
from portal.activities.models import Partner
from portal.activities.partners.queries import (
    is_partner_member,
    list_partners_for_user,
    list_recent_records,
    list_scenario_guides,
)
from portal.blueprints.partner import bp
from portal.blueprints.partner.forms import UploadForm
from portal.blueprints.shared.record_reasons import RECORD_STATUS_LABELS
from portal.errors import DomainError
from portal.extensions import db, htmx
from portal.web.auth import client_ip
from portal.web.htmx import render

OUTCOME_LABELS = {
    "accepted": _l("Accepted"),
    "duplicate": _l("Duplicate"),
    "rejected": _l("Rejected"),
}
STATUS_CLASSES = {
    "accepted": "status-ok",
    "quantified": "status-ok",
    "duplicate": "status-running",
    "pending": "status-running",
    "flagged": "status-running",
    "rejected": "status-error",
}


@bp.context_processor
def partner_labels() -> dict[str, object]:
    return {
        "record_status_labels": RECORD_STATUS_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "status_classes": STATUS_CLASSES,
        "flag_labels": FLAG_LABELS,
        "csv_field": lambda name: request_field(name, csv_columns=True),
    }


def _own(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    if not is_partner_member(current_user, partner):
        abort(403)
    return partner


@bp.get("/")
def index() -> Response:
    platforms = [
        (
            partner,
            list_scenario_guides(partner.methodology_codes),
            list_recent_records(partner.id, limit=20),
        )
        for partner in list_partners_for_user(current_user.id)
    ]
    return render("partner/index.html", platforms=platforms)


@bp.route("/<int:partner_id>/upload", methods=["GET", "POST"])
def upload(partner_id: int) -> Response:
    partner = _own(partner_id)
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        storage = form.file.data
        try:
            report = upload_partner_csv(
                actor=current_user,
                partner_id=partner.id,
                data=storage.read(CSV_MAX_BYTES + 1),
                filename=storage.filename or "",
                ip=client_ip(),
            )
        except DomainError as error:
            # Every refusal here is about the file (or the platform): show it on the field.
            form.file.errors = [*form.file.errors, str(error.message)]
    failed = form.is_submitted() and report is None
    return render(
        "partner/upload.html",
        "partner/partials/_upload.html",
        partner=partner,
        form=form,
        report=report,
        scenarios=list_scenario_guides(partner.methodology_codes),
        columns=CSV_COLUMNS,
        # htmx swaps only 2xx answers, so a refused file comes back as 200 with its error.
        status=422 if failed and not htmx else 200,
    )


@bp.get("/<int:partner_id>/template.csv")
def csv_template(partner_id: int) -> Response:
    """A CSV with the header row for this platform's scenarios and one example row each."""
    partner = _own(partner_id)
    guides = list_scenario_guides(partner.methodology_codes)
    parameters = sorted({p.name for g in guides for p in g.parameters})
    header = [*CSV_COLUMNS, *(PARAM_PREFIX + name for name in parameters)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for n, guide in enumerate(guides, start=1):
        example = {
            "external_id": f"example-{n}",
            "user_ref": "card-0001",
            "scenario": guide.methodology.code,
            "quantity": "1",
            "unit": guide.unit or "",
            "occurred_at": "2026-11-20T08:30:00+08:00",
            **{
                PARAM_PREFIX + p.name: str(p.default if p.default is not None else 0)
                for p in guide.parameters
            },
        }
        writer.writerow([example.get(column, "") for column in header])
    # A BOM, so that Excel opens the file as UTF-8.
    response = current_app.response_class("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="tanhui-jilin-{partner.public_id}-records.csv"'
    )
    return response
