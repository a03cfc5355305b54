"""Methodology developers: their organisations' methodologies, new drafts, comments, submission.

Only members of the developer organisation see a methodology here; anyone else gets 404, so
the existence of another organisation's draft is not revealed.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import Organisation, OrgKind
from portal.blueprints.developer import bp
from portal.blueprints.developer.forms import DraftEditForm, DraftForm, SubmitForm
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
from portal.blueprints.shared.methodology.preview import (
    PREVIEW_PARTIAL,
    form_preview,
    preview_context,
    spec_preview,
    wants_preview,
)
from portal.errors import Conflict, DomainError
from portal.methodology import permissions, queries, services
from portal.methodology.models import Methodology, MethodologyStatus
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language

S = MethodologyStatus
# Organisation kinds whose members develop methodologies (ROLES_BY_ORG_KIND gives them the role).
DEVELOPER_KINDS = frozenset({OrgKind.ENTERPRISE.value, OrgKind.NGO.value})
NEXT_STEPS = {
    S.DRAFT: _l("Check the draft, then submit it to the ecology authority."),
    S.SUBMITTED: _l("Waiting for an ecology official to start the review."),
    S.UNDER_REVIEW: _l("An ecology official is reviewing it; watch the history for comments."),
    S.CHANGES_REQUESTED: _l("Read the reviewer's comment, answer it, then submit again."),
    S.FILED: _l("Filed: it is public in the methodology library and used to quantify records."),
    S.SUSPENDED: _l("Suspended by the ecology authority; the history gives the reason."),
    S.RETIRED: _l("Retired; it stays in the library so past reductions remain explained."),
}

bp.context_processor(presentation)


@bp.context_processor
def developer_labels() -> dict[str, object]:
    return {"next_steps": NEXT_STEPS}


def _organisations() -> list[Organisation]:
    return [
        m.organisation for m in current_user.memberships if m.organisation.kind in DEVELOPER_KINDS
    ]


def _own(methodology_id: int) -> Methodology:
    methodology = queries.get_methodology(methodology_id)
    org_ids = {org.id for org in _organisations()}
    if methodology is None or methodology.developer_org_id not in org_ids:
        abort(404)
    return methodology


@bp.get("/")
def index() -> Response:
    organisations = [(org, queries.list_for_organisation(org.id)) for org in _organisations()]
    return render("developer/index.html", organisations=organisations)


@bp.route("/new", methods=["GET", "POST"])
def new() -> Response:
    form = DraftForm(language=language())
    form.organisation_id.choices = [
        (org.id, org.name_en if language() == "en" else org.name_zh) for org in _organisations()
    ]
    preview_url = url_for("developer.new")
    if wants_preview():
        return render(
            "developer/new.html",
            PREVIEW_PARTIAL,
            **preview_context(form_preview(form), preview_url),
            form=form,
        )
    if form.validate_on_submit():
        try:
            methodology = services.create_draft(
                actor=current_user,
                organisation_id=form.organisation_id.data,
                code=form.code.data or "",
                scenario_code=form.scenario_code.data or "",
                title_zh=form.title_zh.data or "",
                title_en=form.title_en.data or "",
                category=form.category.data or "",
                definition=definition_from_form(form),
                is_saleable=bool(form.is_saleable.data),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _("Draft %(code)s saved. Check it, then submit it.", code=methodology.code),
                "success",
            )
            return redirect(url_for("developer.detail", methodology_id=methodology.id))
    return render(
        "developer/new.html",
        form=form,
        status=422 if form.is_submitted() else 200,
        **preview_context(None, preview_url),
    )


@bp.route("/<int:methodology_id>/edit", methods=["GET", "POST"])
def edit(methodology_id: int) -> Response:
    """Revise a draft, or a submission sent back for changes: the same form as a new draft,
    prefilled from the version under work; the code and the organisation stay as they are."""
    methodology = _own(methodology_id)
    if not permissions.may_edit_draft(current_user, methodology):
        return _not_editable(methodology)
    version = methodology.versions[-1]
    if request.method == "GET":
        form = DraftEditForm(
            formdata=None,
            language=language(),
            title_zh=methodology.title_zh,
            title_en=methodology.title_en,
            scenario_code=methodology.scenario_code,
            category=methodology.category,
            **form_data_from_definition(version.definition, version.is_saleable),
        )
    else:
        form = DraftEditForm(language=language())
    page = {"form": form, "methodology": methodology, "history": history_rows(methodology)}
    preview_url = url_for("developer.edit", methodology_id=methodology.id)
    if wants_preview():
        return render(
            "developer/edit.html",
            PREVIEW_PARTIAL,
            **page,
            **preview_context(form_preview(form), preview_url),
        )
    if request.method == "POST" and form.validate():
        try:
            services.update_draft(
                actor=current_user,
                methodology_id=methodology.id,
                title_zh=form.title_zh.data or "",
                title_en=form.title_en.data or "",
                scenario_code=form.scenario_code.data or "",
                category=form.category.data or "",
                definition=definition_from_form(form),
                is_saleable=bool(form.is_saleable.data),
            )
        except Conflict:
            # Submitted meanwhile (another tab, a colleague): nothing was saved.
            return _not_editable(methodology)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _("Draft %(code)s saved. Check it, then submit it.", code=methodology.code),
                "success",
            )
            return redirect(url_for("developer.detail", methodology_id=methodology.id))
    return render(
        "developer/edit.html",
        status=422 if request.method == "POST" else 200,
        **page,
        **preview_context(spec_preview(version_spec(version)), preview_url),
    )


def _not_editable(methodology: Methodology) -> Response:
    # The service's own msgid, so the refusal reads the same however it is reached.
    flash(_("Only a draft, or one sent back for changes, can be edited."), "error")
    return redirect(url_for("developer.detail", methodology_id=methodology.id))


def _detail_page(
    methodology: Methodology,
    comment_form: CommentForm | None = None,
    status: int = 200,
    message: str | None = None,
) -> Response:
    version = shown_version(methodology, include_unfiled=True)
    return render(
        "developer/detail.html",
        "shared/partials/_methodology_history.html",
        methodology=methodology,
        version=version,
        spec=version_spec(version) if version else None,
        history=history_rows(methodology),
        comment_form=comment_form or CommentForm(formdata=None),
        comment_endpoint="developer.comment",
        submit_form=SubmitForm(formdata=None),
        may_edit_draft=permissions.may_edit_draft(current_user, methodology),
        may_submit=permissions.may_submit(current_user, methodology),
        is_public=permissions.is_public(methodology),
        message=message,
        status=status,
    )


@bp.get("/<int:methodology_id>")
def detail(methodology_id: int) -> Response:
    return _detail_page(_own(methodology_id))


@bp.post("/<int:methodology_id>/comments")
def comment(methodology_id: int) -> Response:
    methodology = _own(methodology_id)
    return handle_comment(
        methodology,
        lambda **kw: _detail_page(methodology, **kw),
        url_for("developer.detail", methodology_id=methodology.id),
    )


@bp.post("/<int:methodology_id>/submit")
def submit(methodology_id: int) -> Response:
    methodology = _own(methodology_id)
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            services.submit(
                actor=current_user, methodology_id=methodology.id, comment=form.comment.data or ""
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(
                _(
                    "%(code)s submitted. The ecology authority will review it.",
                    code=methodology.code,
                ),
                "success",
            )
    else:
        flash(_("The note is too long."), "error")
    return redirect(url_for("developer.detail", methodology_id=methodology.id))
