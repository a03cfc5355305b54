"""The merchant application queue (waiting, approved, rejected) and the decision on one."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.queries import get_display_names
from portal.blueprints.merchant_review import bp
from portal.blueprints.shared.forms import DecisionForm
from portal.blueprints.shared.merchant_labels import merchant_labels
from portal.errors import DomainError
from portal.merchants.applications import decide_application
from portal.merchants.models import ApplicationStatus
from portal.merchants.queries import get_application, list_applications
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp.context_processor(merchant_labels)


class ApplicationDecisionForm(DecisionForm):
    REASON_LABEL = _l("Reason (the applicant reads it; required to reject)")
    MISSING_REASON = _l("Give the applicant a reason for the rejection.")


@bp.get("")
def queue() -> Response:
    status = request.args.get("status", ApplicationStatus.PENDING.value)
    if status not in set(ApplicationStatus):
        status = ApplicationStatus.PENDING.value
    pagination = list_applications(status, page_arg())
    return render(
        "merchant_review/queue.html",
        pagination=pagination,
        current_status=status,
        applicants=get_display_names(a.applicant_id for a in pagination.items),
    )


@bp.route("/<int:application_id>", methods=["GET", "POST"])
def application(application_id: int) -> Response:
    item = get_application(application_id)
    if item is None:
        abort(404)
    form = ApplicationDecisionForm()
    if form.validate_on_submit():
        approve = form.approves
        try:
            decide_application(
                actor=current_user,
                application_id=item.id,
                approve=approve,
                reason=form.reason.data or "",
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _("Approved: the organisation is now a merchant.")
                if approve
                else _("Rejected; the applicant can see your reason."),
                "success",
            )
            return redirect(url_for("merchant_review.queue"))
    people = get_display_names(
        [item.applicant_id, *([item.decided_by_id] if item.decided_by_id else [])]
    )
    return render(
        "merchant_review/application.html",
        item=item,
        people=people,
        form=form,
        status=422 if form.is_submitted() else 200,
    )
