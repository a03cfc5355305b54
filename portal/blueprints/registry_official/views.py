"""The batches by status, and one batch: its arithmetic, its sample and the step it waits for,
which the page says is the reader's or why it is not (separation of duties)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.queries import get_display_names
from portal.blueprints.registry_official import bp
from portal.blueprints.registry_official.forms import ItemForm, RejectForm, StepForm
from portal.blueprints.registry_official.labels import registry_labels
from portal.errors import DomainError
from portal.market import review_queries as queries
from portal.market import services
from portal.market.duties import NEXT_STEP, duty_problem
from portal.market.models import Batch, BatchStatus
from portal.methodology.queries import get_methodology
from portal.web.auth import client_ip
from portal.web.evidence import send_sample_evidence
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp.context_processor(registry_labels)

STATUSES = [status.value for status in BatchStatus]


@bp.get("")
def batches() -> Response:
    status = request.args.get("status", BatchStatus.PROPOSED.value)
    if status not in STATUSES:
        status = BatchStatus.PROPOSED.value
    return render(
        "registry_official/batches.html",
        pagination=queries.list_batches(status, page_arg()),
        current_status=status,
        counts=queries.count_batches_by_status(),
        statuses=STATUSES,
    )


def _batch_or_404(batch_id: int) -> Batch:
    batch = queries.get_batch(batch_id)
    if batch is None:
        abort(404)
    return batch


def _page(batch: Batch, *, item_form: ItemForm | None = None, status: int = 200) -> Response:
    officials = queries.officials_of(batch)
    step = NEXT_STEP.get(batch.status)
    people = [batch.sampled_by_id, batch.verified_by_id, batch.issued_by_id, batch.rejected_by_id]
    return render(
        "registry_official/batch.html",
        batch=batch,
        methodology=get_methodology(batch.methodology_id),
        step=step,
        problem=None
        if step is None
        else duty_problem(batch.status, step, officials, current_user.id),
        reviewer_id=officials.reviewer_id,
        names=get_display_names(i for i in [*people, officials.reviewer_id] if i is not None),
        counts=queries.sample_counts(batch.id),
        sample=queries.list_sample(batch.id, page_arg()),
        item_form=item_form or ItemForm(formdata=None),
        step_form=StepForm(formdata=None),
        reject_form=RejectForm(formdata=None),
        status=status,
    )


@bp.get("/<int:batch_id>")
def batch(batch_id: int) -> Response:
    return _page(_batch_or_404(batch_id))


def _done(batch_id: int, message: str, anchor: str | None = None) -> BaseResponse:
    flash(message, "success")
    target = url_for("registry_official.batch", batch_id=batch_id, page=page_arg(), _anchor=anchor)
    return redirect(target, 303)


def _refused(batch_id: int, error: DomainError) -> Response:
    flash(str(error.message), "error")
    return _page(_batch_or_404(batch_id), status=422)


@bp.post("/<int:batch_id>/items/<int:item_id>")
def review_item(batch_id: int, item_id: int) -> BaseResponse:
    form = ItemForm()
    if not form.validate_on_submit():
        flash(_("Choose why the record fails."), "error")
        return _page(_batch_or_404(batch_id), item_form=form, status=422)
    passed = form.verdict.data == "pass"
    try:
        item = services.review_item(
            actor=current_user,
            batch_id=batch_id,
            item_id=item_id,
            passed=passed,
            reason=form.reason.data or None,
            ip=client_ip(),
        )
    except DomainError as error:
        return _refused(batch_id, error)
    message = _("Record %(number)s passed.") if passed else _("Record %(number)s failed.")
    return _done(batch_id, message % {"number": item.position}, f"item-{item.position}")


def _step(batch_id: int, command: Callable[..., Batch], message: str) -> BaseResponse:
    if not StepForm().validate_on_submit():
        abort(400)
    try:
        command(actor=current_user, batch_id=batch_id, ip=client_ip())
    except DomainError as error:
        return _refused(batch_id, error)
    return _done(batch_id, message)


@bp.post("/<int:batch_id>/complete")
def complete_review(batch_id: int) -> BaseResponse:
    return _step(
        batch_id, services.complete_review, _("Review complete: the batch has your decision.")
    )


@bp.post("/<int:batch_id>/verify")
def verify(batch_id: int) -> BaseResponse:
    return _step(
        batch_id, services.verify_batch, _("Verified: a third official can now issue the batch.")
    )


@bp.post("/<int:batch_id>/issue")
def issue(batch_id: int) -> BaseResponse:
    return _step(batch_id, services.issue_batch, _("Issued: the batch's serial numbers exist."))


@bp.post("/<int:batch_id>/reject")
def reject(batch_id: int) -> BaseResponse:
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Choose why the batch is rejected."), "error")
        return _page(_batch_or_404(batch_id), status=422)
    try:
        services.reject_batch(
            actor=current_user, batch_id=batch_id, reason=form.reason.data, ip=client_ip()
        )
    except DomainError as error:
        return _refused(batch_id, error)
    return _done(batch_id, _("Rejected: nothing of this batch will be issued."))


@bp.get("/<int:batch_id>/items/<int:item_id>/evidence")
def evidence(batch_id: int, item_id: int) -> BaseResponse:
    return send_sample_evidence(batch_id, item_id)
