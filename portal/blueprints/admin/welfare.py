"""The operator's public-welfare pages: list, create and edit projects, open and close them,
post progress updates. Every command is audited by the service."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.blueprints.admin.views import bp
from portal.blueprints.admin.welfare_forms import ProjectForm, UpdateForm
from portal.blueprints.shared.welfare_labels import welfare_labels
from portal.errors import DomainError
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import localized
from portal.web.pagination import page_arg
from portal.welfare import queries, services

bp.context_processor(welfare_labels)


def _project_form(**kwargs: object) -> ProjectForm:
    form = ProjectForm(**kwargs)
    form.beneficiary_org_id.choices = [("", _("— none: type the names below —"))] + [
        (str(org.id), localized(org, "name")) for org in queries.list_beneficiary_choices()
    ]
    return form


@bp.get("/welfare")
def welfare_projects() -> Response:
    pagination = queries.list_all_projects(page_arg())
    return render(
        "admin/welfare.html",
        pagination=pagination,
        progress=queries.get_progress([p.id for p in pagination.items]),
    )


@bp.route("/welfare/new", methods=["GET", "POST"])
def new_welfare_project() -> BaseResponse:
    form = _project_form()
    if form.validate_on_submit():
        try:
            project = services.save_project(
                actor=current_user, fields=form.fields(), ip=client_ip()
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Project saved as a draft. Open it to take donations."), "success")
            return redirect(url_for("admin.welfare_project", project_id=project.id))
    return render(
        "admin/welfare_edit.html",
        form=form,
        project=None,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/welfare/<int:project_id>", methods=["GET", "POST"])
def welfare_project(project_id: int) -> BaseResponse:
    project = queries.get_project(project_id, public=False)
    if project is None:
        abort(404)
    form = _project_form(obj=project if request.method == "GET" else None)
    if request.method == "GET":
        form.beneficiary_org_id.data = str(project.beneficiary_org_id or "")
    if form.validate_on_submit():
        try:
            services.save_project(
                actor=current_user, fields=form.fields(), project_id=project.id, ip=client_ip()
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Project saved."), "success")
            return redirect(url_for("admin.welfare_project", project_id=project.id))
    return render(
        "admin/welfare_edit.html",
        form=form,
        project=project,
        update_form=UpdateForm(formdata=None),
        progress=queries.get_progress([project.id])[project.id],
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/welfare/<int:project_id>/<move>")
def move_welfare_project(project_id: int, move: str) -> BaseResponse:
    try:
        services.move_project(actor=current_user, project_id=project_id, move=move, ip=client_ip())
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(
            _("The project is open for donations.")
            if move == "open"
            else _("The project is closed."),
            "success",
        )
    return redirect(url_for("admin.welfare_project", project_id=project_id))


@bp.post("/welfare/<int:project_id>/updates")
def post_welfare_update(project_id: int) -> BaseResponse:
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            services.post_update(
                actor=current_user,
                project_id=project_id,
                text_zh=form.text_zh.data or "",
                text_en=form.text_en.data or "",
                ip=client_ip(),
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Update posted."), "success")
    else:
        flash(_("Write the update in Chinese and English."), "error")
    return redirect(url_for("admin.welfare_project", project_id=project_id))
