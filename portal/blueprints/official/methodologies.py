"""Ecology officials: the review dashboard, the methodology queue, review actions and versions.

The services decide what is allowed (status moves, separation of duties, reasons); the pages
only offer the actions that make sense for the status and explain a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from portal.activities.queries import count_flagged
from portal.blueprints.official import bp
from portal.blueprints.official.forms import ReviewForm, StatusFilterForm, VersionForm
from portal.blueprints.shared.methodology.comments import CommentForm, handle_comment
from portal.blueprints.shared.methodology.convert import (
    definition_from_form,
    form_data_from_definition,
)
from portal.blueprints.shared.methodology.display import (
    history_rows,
    presentation,
    shown_version,
    version_spec,
)
from portal.blueprints.shared.methodology.labels import STATUS_LABELS
from portal.blueprints.shared.methodology.preview import (
    PREVIEW_PARTIAL,
    form_preview,
    preview_context,
    spec_preview,
    wants_preview,
)
from portal.clock import local_midnight, local_today, utcnow
from portal.errors import DomainError
from portal.market.review_queries import count_undecided_batches
from portal.methodology import permissions, queries, services
from portal.methodology.models import Methodology, MethodologyStatus
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language

S = MethodologyStatus
QUEUE = (S.SUBMITTED.value, S.UNDER_REVIEW.value)


@dataclass(frozen=True)
class Action:
    name: str
    label: Any
    needs_comment: bool
    confirm: Any | None  # question asked before an irreversible action
    primary: bool = False


# The button of each review move, in the order a page shows them; which of them a methodology
# offers is permissions.review_actions' to say.
ACTIONS: tuple[Action, ...] = (
    Action("start_review", _l("Start the review"), False, None, primary=True),
    Action(
        "file",
        _l("File (备案)"),
        False,
        _l("File %(code)s? The version becomes public and cannot be changed afterwards."),
        primary=True,
    ),
    Action("request_changes", _l("Send back for changes"), True, None),
    Action("reinstate", _l("Reinstate"), False, None, primary=True),
    Action(
        "suspend",
        _l("Suspend"),
        True,
        _l("Suspend %(code)s? Records stop being quantified under it until it is reinstated."),
    ),
    Action(
        "retire",
        _l("Retire"),
        True,
        _l("Retire %(code)s for good? Its versions end now; this cannot be undone."),
    ),
)
COMMENT_LABELS = {
    "request_changes": _l("What must change (the developer reads this)"),
    "suspend": _l("Reason for suspending (public)"),
    "retire": _l("Reason for retiring (public)"),
}

bp.context_processor(presentation)


@bp.context_processor
def official_labels() -> dict[str, object]:
    return {"comment_labels": COMMENT_LABELS}


def _get(methodology_id: int) -> Methodology:
    methodology = queries.get_methodology(methodology_id)
    if methodology is None or not permissions.may_official_see(current_user, methodology):
        abort(404)
    return methodology


@bp.get("/")
def index() -> Response:
    return render(
        "official/index.html",
        queue=queries.list_by_status(QUEUE),
        counts=queries.count_by_status(),
        flagged=count_flagged(),
        batches_waiting=count_undecided_batches(),
    )


@bp.get("/methodologies")
def methodologies() -> Response:
    choices = [SelectChoice("", _("All statuses"))] + [
        SelectChoice(status, str(STATUS_LABELS[S(status)]))
        for status in permissions.OFFICIAL_STATUSES
    ]
    form = StatusFilterForm(request.args, choices=choices)
    status = form.status.data if form.validate() and form.status.data else ""
    if status:
        rows = queries.list_by_status([status])
    else:
        order = {status: i for i, status in enumerate(permissions.OFFICIAL_STATUSES)}
        rows = sorted(
            queries.list_by_status(permissions.OFFICIAL_STATUSES),
            key=lambda m: (order[m.status], m.code),
        )
    return render(
        "official/methodologies.html",
        "official/partials/_methodologies.html",
        form=form,
        methodologies=rows,
        selected_status=status,
    )


def _review_page(
    methodology: Methodology,
    *,
    review_form: ReviewForm | None = None,
    failed_action: str | None = None,
    comment_form: CommentForm | None = None,
    message: str | None = None,
    status: int = 200,
    partial: str | None = None,
) -> Response:
    version = shown_version(methodology, include_unfiled=True)
    offered = permissions.review_actions(methodology)
    spec = version_spec(version) if version else None
    return render(
        "official/methodology.html",
        partial,
        methodology=methodology,
        version=version,
        spec=spec,
        versions=methodology.versions,
        history=history_rows(methodology),
        actions=[action for action in ACTIONS if action.name in offered],
        review_form=review_form or ReviewForm(formdata=None),
        blank_review_form=ReviewForm(formdata=None),
        failed_action=failed_action,
        comment_form=comment_form or CommentForm(formdata=None),
        comment_endpoint="official.comment",
        # Separation of duties, as the service applies it: shown before the official tries.
        may_file=permissions.may_file(current_user, methodology),
        may_publish_version=permissions.may_publish_version(current_user, methodology),
        is_public=permissions.is_public(methodology),
        message=message,
        status=status,
        **preview_context(spec_preview(spec) if spec else None, None),
    )


@bp.get("/methodologies/<int:methodology_id>")
def methodology(methodology_id: int) -> Response:
    return _review_page(_get(methodology_id))


@bp.post("/methodologies/<int:methodology_id>/review")
def review(methodology_id: int) -> Response:
    methodology = _get(methodology_id)
    form = ReviewForm()
    offered = permissions.review_actions(methodology)
    if form.action.data in _DONE and form.action.data not in offered:
        # Another official moved it first (another tab, another desk): say so on its page, where
        # the buttons now offered are, instead of an error on a form the page no longer shows.
        status_label = STATUS_LABELS[S(methodology.status)]
        flash(
            _(
                "%(code)s is now %(status)s; that action no longer applies.",
                code=methodology.code,
                status=status_label,
            ),
            "error",
        )
        return redirect(url_for("official.methodology", methodology_id=methodology.id))
    if form.validate_on_submit():
        action = form.action.data or ""
        effective_from = None
        if action == "file" and form.effective_from.data:
            effective_from = local_midnight(form.effective_from.data)
        try:
            services.review(
                actor=current_user,
                methodology_id=methodology.id,
                action=action,
                comment=form.comment.data or "",
                effective_from=effective_from,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_DONE[action](methodology.code), "success")
            return redirect(url_for("official.methodology", methodology_id=methodology.id))
    elif form.action.errors:
        flash(_("Unknown review action."), "error")
    return _review_page(methodology, review_form=form, failed_action=form.action.data, status=422)


_DONE = {
    "start_review": lambda code: _("Review of %(code)s started.", code=code),
    "request_changes": lambda code: _("%(code)s sent back to its developer.", code=code),
    "file": lambda code: _("%(code)s filed; it is now public in the library.", code=code),
    "suspend": lambda code: _("%(code)s suspended.", code=code),
    "reinstate": lambda code: _("%(code)s reinstated.", code=code),
    "retire": lambda code: _("%(code)s retired.", code=code),
}


@bp.post("/methodologies/<int:methodology_id>/comments")
def comment(methodology_id: int) -> Response:
    methodology = _get(methodology_id)
    return handle_comment(
        methodology,
        lambda **kw: _review_page(
            methodology, partial="shared/partials/_methodology_history.html", **kw
        ),
        url_for("official.methodology", methodology_id=methodology.id),
    )


@bp.route("/methodologies/<int:methodology_id>/versions/new", methods=["GET", "POST"])
def new_version(methodology_id: int) -> Response:
    methodology = _get(methodology_id)
    current = shown_version(methodology)
    if not permissions.may_publish_version(current_user, methodology) or current is None:
        flash(_("Only a filed methodology gets new versions."), "error")
        return redirect(url_for("official.methodology", methodology_id=methodology.id))
    if request.method == "GET":
        data = form_data_from_definition(current.definition, current.is_saleable)
        form = VersionForm(
            formdata=None,
            language=language(),
            effective_from=local_today() + timedelta(days=1),
            **data,
        )
    else:
        form = VersionForm(language=language())
    preview_url = url_for("official.new_version", methodology_id=methodology.id)
    if wants_preview():
        return render(
            "official/methodology_version.html",
            PREVIEW_PARTIAL,
            form=form,
            methodology=methodology,
            current=current,
            **preview_context(form_preview(form), preview_url),
        )
    if request.method == "POST" and form.validate():
        day = form.effective_from.data
        # Today means at once; a later day means from its midnight, Beijing time.
        effective_from = utcnow() if day == local_today() else local_midnight(day)
        try:
            version = services.publish_version(
                actor=current_user,
                methodology_id=methodology.id,
                definition=definition_from_form(form),
                effective_from=effective_from,
                change_note=form.change_note.data or "",
                is_saleable=bool(form.is_saleable.data),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _(
                    "Version %(no)s of %(code)s published.",
                    no=version.version_no,
                    code=methodology.code,
                ),
                "success",
            )
            return redirect(url_for("official.methodology", methodology_id=methodology.id))
    return render(
        "official/methodology_version.html",
        form=form,
        methodology=methodology,
        current=current,
        status=422 if request.method == "POST" else 200,
        **preview_context(spec_preview(version_spec(current)), preview_url),
    )
