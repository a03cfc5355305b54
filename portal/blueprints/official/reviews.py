"""The officials' queue of flagged behaviour records: open (audited), approve or reject."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from portal.accounts.queries import get_user
from portal.activities import queries as activity_queries
from portal.activities.intake.checks import FLAG_LABELS
from portal.activities.review import open_for_review, review_record
from portal.blueprints.official import bp
from portal.blueprints.shared.forms import PortalForm
from portal.blueprints.shared.record_reasons import record_reason
from portal.errors import DomainError
from portal.methodology.queries import get_methodology
from portal.web.auth import client_ip
from portal.web.evidence import send_evidence_for_review
from portal.web.htmx import render
from portal.web.pagination import page_arg


class DecisionForm(PortalForm):
    reason = TextAreaField(
        _l("Reason (the citizen sees it; required to reject)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )


@bp.get("/reviews")
def flagged() -> Response:
    return render(
        "official/reviews.html",
        pagination=activity_queries.list_flagged(page_arg()),
        flag_labels=FLAG_LABELS,
    )


@bp.route("/reviews/<int:record_id>", methods=["GET", "POST"])
def flagged_record(record_id: int) -> Response:
    form = DecisionForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        try:
            review_record(
                actor=current_user,
                record_id=record_id,
                approve=approve,
                reason=form.reason.data or "",
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(
                _("Approved: the record will be quantified.")
                if approve
                else _("Rejected; the citizen can see your reason."),
                "success",
            )
            return redirect(url_for("official.flagged"))
    try:
        record = open_for_review(actor=current_user, record_id=record_id, ip=client_ip())
    except DomainError:
        abort(404)
    return render(
        "official/review.html",
        record=record,
        citizen=get_user(record.user_id),
        methodology=get_methodology(record.methodology_id),
        flag_labels=FLAG_LABELS,
        reason=record_reason(record),
        form=form,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/evidence/<int:evidence_id>")
def evidence(evidence_id: int) -> BaseResponse:
    return send_evidence_for_review(evidence_id)
