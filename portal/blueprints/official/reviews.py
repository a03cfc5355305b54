"""The officials' queue of flagged behaviour records: open (audited, with the records a flag
points at), approve or reject; and the history of decided reviews."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.queries import get_user
from portal.activities import queries as activity_queries
from portal.activities.intake.checks import FLAG_LABELS
from portal.activities.review import (
    DECISION_ACTIONS,
    list_conflicts,
    list_decided_reviews,
    open_for_review,
    review_record,
)
from portal.blueprints.official import bp
from portal.blueprints.shared.forms import DecisionForm
from portal.blueprints.shared.record_reasons import RECORD_STATUS_LABELS, record_reason
from portal.errors import DomainError
from portal.methodology.queries import get_methodology
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.evidence import send_evidence_for_review
from portal.web.htmx import render
from portal.web.pagination import page_arg

CHANNEL_LABELS = {
    "self_report": _l("self-reported"),
    "partner_api": _l("partner API"),
    "partner_csv": _l("partner CSV upload"),
}


@bp.context_processor
def review_labels() -> dict[str, object]:
    return {
        "flag_labels": FLAG_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "record_status_labels": RECORD_STATUS_LABELS,
        # A context, as "Rejected" alone reads 已拒绝 (a partner's CSV row), not 已驳回.
        "outcome_labels": {
            "approved": pgettext("review outcome", "Approved"),
            "rejected": pgettext("review outcome", "Rejected"),
        },
    }


class RecordDecisionForm(DecisionForm):
    REASON_LABEL = _l("Reason (the citizen sees it; required to reject)")
    MISSING_REASON = _l("Give the citizen a reason for the rejection.")


@bp.get("/reviews")
def flagged() -> Response:
    return render("official/reviews.html", pagination=activity_queries.list_flagged(page_arg()))


@bp.get("/reviews/decided")
def decided() -> Response:
    outcome = request.args.get("outcome", "")
    outcome = outcome if outcome in DECISION_ACTIONS else ""
    return render(
        "official/decided.html",
        pagination=list_decided_reviews(outcome, page_arg()),
        outcome=outcome,
    )


@bp.route("/reviews/<int:record_id>", methods=["GET", "POST"])
def flagged_record(record_id: int) -> Response:
    form = RecordDecisionForm()
    if form.validate_on_submit():
        approve = form.approves
        try:
            review_record(
                actor=current_user,
                record_id=record_id,
                approve=approve,
                reason=form.reason.data or "",
            )
        except DomainError as error:
            attach_error(form, error)
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
        conflicts=list_conflicts(record),
        reason=record_reason(record),
        form=form,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/evidence/<int:evidence_id>")
def evidence(evidence_id: int) -> BaseResponse:
    return send_evidence_for_review(evidence_id)
