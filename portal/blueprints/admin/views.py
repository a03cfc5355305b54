"""Operator administration: users, organisations and roles, the audit log, scheduled jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import queries, services
from portal.blueprints.admin.audit_words import describe_events
from portal.blueprints.admin.forms import (
    MEMBER_ROLE_LABELS,
    ORG_KIND_LABELS,
    AuditSearchForm,
    GrantForm,
    OrganisationForm,
    RevokeCertificateForm,
)
from portal.certificates import queries as certificate_queries
from portal.certificates import services as certificate_services
from portal.certificates.reasons import REVOCATION_REASONS
from portal.clock import local_midnight
from portal.errors import DomainError
from portal.scheduler import runs as job_runs
from portal.scheduler.models import JOB_STATUS_LABELS
from portal.scheduler.table import get_job_table
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language, localized
from portal.web.pagination import page_arg

bp = Blueprint("admin", __name__)


@bp.context_processor
def labels() -> dict[str, object]:
    return {"org_kind_labels": ORG_KIND_LABELS, "member_role_labels": MEMBER_ROLE_LABELS}


@bp.get("/")
def dashboard() -> Response:
    return render(
        "admin/dashboard.html",
        users=queries.list_users(page=1),
        organisations=queries.list_organisations(page=1),
        heartbeat=job_runs.get_heartbeat(
            timedelta(minutes=current_app.config["SCHEDULER_STALE_MINUTES"])
        ),
    )


@bp.get("/users")
def users() -> Response:
    search = request.args.get("q", "")[:100]
    return render(
        "admin/users.html",
        "admin/partials/_users.html",
        pagination=queries.list_users(search, page_arg()),
        q=search,
    )


@bp.post("/users/<int:user_id>/admin")
def toggle_admin(user_id: int) -> Response:
    make_admin = request.form.get("is_admin") == "1"
    try:
        user = services.set_admin(
            actor=current_user, user_id=user_id, is_admin=make_admin, ip=client_ip()
        )
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        message = (
            _("%(name)s is now an administrator.", name=user.display_name)
            if make_admin
            else _("%(name)s is no longer an administrator.", name=user.display_name)
        )
        flash(message, "success")
    return redirect(url_for("admin.users", q=request.form.get("q", "")))


@bp.get("/organisations")
def organisations() -> Response:
    kind = request.args.get("kind", "")
    if kind and kind not in {k.value for k in ORG_KIND_LABELS}:
        kind = ""
    return render(
        "admin/organisations.html",
        pagination=queries.list_organisations(kind, page_arg()),
        kind=kind,
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation() -> Response:
    form = OrganisationForm(language=language())
    if form.validate_on_submit():
        try:
            org = services.create_organisation(
                actor=current_user,
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                kind=form.kind.data or "",
                city_code=form.city_code.data or "",
                unified_credit_code=form.unified_credit_code.data,
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            name = localized(org, "name") or org.name_zh
            flash(_("Organisation %(name)s created.", name=name), "success")
            return redirect(url_for("admin.organisation", organisation_id=org.id))
    return render(
        "admin/organisation_new.html", form=form, status=422 if form.is_submitted() else 200
    )


def _organisation_page(organisation_id: int, form: GrantForm, status: int = 200) -> Response:
    org = queries.get_organisation(organisation_id)
    if org is None:
        abort(404)
    return render(
        "admin/organisation.html",
        "admin/partials/_members.html",
        org=org,
        members=queries.list_members(org.id),
        form=form,
        status=status,
    )


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int) -> Response:
    return _organisation_page(organisation_id, GrantForm())


@bp.post("/organisations/<int:organisation_id>/members")
def grant(organisation_id: int) -> Response:
    form = GrantForm()
    if form.validate_on_submit():
        try:
            services.grant_membership(
                actor=current_user,
                organisation_id=organisation_id,
                login=form.login.data or "",
                role=form.role.data or "",
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Role granted."), "success")
            return _organisation_page(organisation_id, GrantForm(formdata=None))
    # htmx swaps only 2xx answers, so an invalid form comes back as 200 with its errors.
    return _organisation_page(organisation_id, form)


@bp.post("/organisations/<int:organisation_id>/members/<int:membership_id>/revoke")
def revoke(organisation_id: int, membership_id: int) -> Response:
    try:
        services.revoke_membership(
            actor=current_user,
            organisation_id=organisation_id,
            membership_id=membership_id,
            ip=client_ip(),
        )
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Role withdrawn."), "success")
    return _organisation_page(organisation_id, GrantForm(formdata=None))


@bp.get("/certificates")
def certificates() -> Response:
    return render(
        "admin/certificates.html",
        pagination=certificate_queries.list_all_certificates(page_arg()),
        revocation_reasons=REVOCATION_REASONS,
    )


@bp.post("/certificates/<code>/revoke")
def revoke_certificate(code: str) -> Response:
    form = RevokeCertificateForm()
    if not form.validate():
        flash(_("Choose a reason for the revocation."), "error")
        return redirect(url_for("admin.certificates"))
    try:
        certificate_services.revoke_certificate(
            code, form.reason.data, actor=current_user, ip=client_ip()
        )
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Certificate revoked."), "success")
    return redirect(url_for("admin.certificates"))


def _day_start(day: object, *, next_day: bool = False) -> datetime | None:
    if day is None:
        return None
    start = local_midnight(day)  # type: ignore[arg-type]
    return start + timedelta(days=1) if next_day else start


@bp.get("/audit")
def audit() -> Response:
    form = AuditSearchForm(request.args)
    filters = {"action": "", "actor": "", "subject_type": "", "subject_id": ""}
    since = until = None
    if form.validate():
        filters = {key: getattr(form, key).data or "" for key in filters}
        since = _day_start(form.since.data)
        until = _day_start(form.until.data, next_day=True)
    pagination = queries.list_audit_events(**filters, since=since, until=until, page=page_arg())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render(
        "admin/audit.html",
        "admin/partials/_audit.html",
        form=form,
        pagination=pagination,
        lines=describe_events(list(pagination.items)),
        args=args,
    )


@bp.get("/jobs")
def jobs() -> Response:
    return render(
        "admin/jobs.html",
        status_labels=JOB_STATUS_LABELS,
        jobs=get_job_table().values(),
        last_runs=job_runs.last_runs(),
        recent=job_runs.recent_runs(),
    )


from portal.blueprints.admin import (  # noqa: E402,F401  (their routes join this blueprint)
    campaigns,
    registry,
    welfare,
)
