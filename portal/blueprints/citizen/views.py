"""The citizen's own pages: profile, logging behaviours, records, reductions and how each was
computed, certificates, account links with partner apps, password change (the carbon account
page is ``account``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from portal.accounts import queries as account_queries
from portal.accounts import services as accounts
from portal.activities import queries as activity_queries
from portal.activities.intake import self_reports
from portal.activities.intake.checks import FLAG_LABELS
from portal.activities.intake.records import RecordInput, RecordRefused
from portal.activities.models import RecordStatus
from portal.activities.partners.links import create_link_code, unlink_account
from portal.activities.partners.queries import (
    get_partner_names,
    list_partner_sources,
)
from portal.activities.review import appeal_record
from portal.blueprints.citizen import bp
from portal.blueprints.citizen.account import by_category
from portal.blueprints.citizen.forms import (
    AppealForm,
    ChangePasswordForm,
    EmptyForm,
    evidence_needed,
    make_log_form,
)
from portal.blueprints.shared.forms import ProfileForm
from portal.blueprints.shared.methodology.display import texts_for
from portal.blueprints.shared.methodology.labels import CONFIDENCE_LABELS
from portal.blueprints.shared.record_reasons import RECORD_STATUS_LABELS, record_reason
from portal.certificates import queries as certificate_queries
from portal.clock import SHANGHAI, local_today
from portal.errors import DomainError
from portal.extensions import htmx
from portal.images import MAX_IMAGE_BYTES
from portal.methodology.categories import CATEGORIES, Category
from portal.methodology.models import Methodology
from portal.methodology.queries import FiledVersions, list_public_methodologies
from portal.methodology.versions import VersionSpec
from portal.sharing.queries import list_live_shares
from portal.sharing.rules import may_share
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.evidence import send_own_evidence
from portal.web.htmx import render
from portal.web.i18n import language
from portal.web.pagination import bookmark_arg, page_arg


@bp.route("/profile", methods=["GET", "POST"])
def edit_profile() -> Response:
    form = ProfileForm(obj=current_user, language=language())
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user.id,
                display_name=form.display_name.data or "",
                city_code=form.city_code.data or "",
                district=form.district.data,
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("citizen.account"))
    return render("citizen/profile.html", form=form, status=422 if form.is_submitted() else 200)


@bp.route("/password", methods=["GET", "POST"])
def change_password() -> Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.change_password(
                current_user.id,
                current=form.current_password.data or "",
                new=form.new_password.data or "",
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            # The session version moved on: re-issue this browser's cookie, all others are revoked.
            login_user(user)
            flash(
                _("Your password has been changed. Other devices have been logged out."), "success"
            )
            return redirect(url_for("citizen.account"))
    return render("citizen/password.html", form=form, status=422 if form.is_submitted() else 200)


# --------------------------------------------------------------------------- logging


def _self_reportable() -> list[tuple[Methodology, VersionSpec]]:
    """Filed methodologies citizens may report themselves, by the version in force now
    (two queries: the methodologies and all their filed versions)."""
    now = datetime.now(UTC)
    filed = [m for m in list_public_methodologies() if m.status == "filed"]
    versions = FiledVersions()
    versions.load(m.id for m in filed)
    choices = []
    for methodology in filed:
        found = versions.in_force(methodology.id, now)
        if found is not None and found[1].self_report:
            choices.append((methodology, found[1]))
    return choices


def _categories(choices: list[tuple[Methodology, VersionSpec]]) -> list[Category]:
    available = {m.category for m, _spec in choices}
    return [c for c in CATEGORIES if c.code in available]


def _log_page(choices: list[tuple[Methodology, VersionSpec]]) -> dict[str, Any]:
    """What every step of the log page shows: the categories open for self-reports, which
    partner reports which scenario, and the filed scenarios citizens cannot report themselves
    that no partner reports yet."""
    sources = list_partner_sources()
    known = {m.code for source in sources for m in source.methodologies}
    known.update(m.code for m, _spec in choices)
    waiting = [
        m for m in list_public_methodologies() if m.status == "filed" and m.code not in known
    ]
    return {"categories": _categories(choices), "sources": sources, "waiting": waiting}


@bp.get("/log")
def log_start() -> Response:
    return render("citizen/log.html", **_log_page(_self_reportable()), step="category")


@bp.get("/log/<category>")
def log_category(category: str) -> Response:
    everything = _self_reportable()
    choices = [(m, s) for m, s in everything if m.category == category]
    if not choices:
        abort(404)
    found = next(c for c in CATEGORIES if c.code == category)
    return render(
        "citizen/log.html",
        "citizen/partials/_log_scenarios.html",
        **_log_page(everything),
        category=found,
        choices=choices,
        evidence_needed=evidence_needed,
        step="scenario",
    )


def _to_utc(local: datetime | None) -> datetime | None:
    if local is None:
        return None
    try:
        return local.replace(tzinfo=SHANGHAI).astimezone(UTC)
    except OverflowError:  # the first hours of year 1 have no UTC date; the rules refuse it
        return datetime.min.replace(tzinfo=UTC)


def _field_for(problem_field: str) -> str:
    if problem_field.startswith("parameters."):
        return "param_" + problem_field.partition(".")[2]
    return problem_field


@bp.route("/log/<category>/<code>", methods=["GET", "POST"])
def log_behavior(category: str, code: str) -> Response:
    choice = next(
        ((m, s) for m, s in _self_reportable() if m.code == code and m.category == category), None
    )
    if choice is None:
        abort(404)
    methodology, spec = choice
    form = make_log_form(spec, methodology.category, language())
    if request.method == "GET":
        form.occurred_at.data = datetime.now(SHANGHAI).replace(second=0, microsecond=0, tzinfo=None)
    if form.validate_on_submit():
        parameters: dict[str, Any] = {}
        for parameter in spec.parameters:
            value = getattr(form, f"param_{parameter.name}").data
            if parameter.is_flag:
                parameters[parameter.name] = "1" if value else "0"
            elif value is not None:
                parameters[parameter.name] = str(value)
        photo = request.files.get("photo")
        photo_bytes = photo.stream.read(MAX_IMAGE_BYTES + 1) if photo and photo.filename else None
        item = RecordInput(
            methodology_code=methodology.code,
            quantity=form.quantity.data,
            unit=form.unit.data or spec.activity_unit,
            occurred_at=_to_utc(form.occurred_at.data) or datetime.now(UTC),
            ended_at=_to_utc(form.ended_at.data) if hasattr(form, "ended_at") else None,
            parameters=parameters,
            note=form.note.data or "",
        )
        try:
            record = self_reports.log_behavior(
                user_id=current_user.id,
                item=item,
                photo=photo_bytes,
                upload_dir=Path(current_app.instance_path) / "uploads",
            )
        except RecordRefused as refused:
            for problem in refused.problems:
                field = getattr(form, _field_for(problem.field), None)
                if field is not None:
                    field.errors = [*field.errors, str(problem.message)]
                else:
                    flash(str(problem.message), "error")
        else:
            if record.status == RecordStatus.FLAGGED:
                message = _("Recorded. It needs a quick check by the ecology authority first.")
                flash(
                    message,
                    "info",
                )
            else:
                flash(_("Recorded. Your reduction and points appear within a minute."), "success")
            return redirect(url_for("citizen.records"))
    return render(
        "citizen/log_form.html",
        methodology=methodology,
        spec=spec,
        form=form,
        evidence=evidence_needed(spec),
        status=422 if form.is_submitted() else 200,
    )


# --------------------------------------------------------------------------- records


@bp.get("/records")
def records() -> Response:
    pagination = activity_queries.list_records(current_user.id, bookmark_arg())
    return render(
        "citizen/records.html",
        "citizen/partials/_records.html",
        pagination=pagination,
        partner_names=get_partner_names(
            r.partner_id for r, _m, _r in pagination.items if r.partner_id
        ),
        flag_labels=FLAG_LABELS,
        record_status_labels=RECORD_STATUS_LABELS,
        record_reason=record_reason,
        appeal_form=AppealForm(formdata=None),
    )


@bp.post("/records/<int:record_id>/appeal")
def appeal(record_id: int) -> Response:
    form = AppealForm()
    if form.validate_on_submit():
        try:
            appeal_record(
                user_id=current_user.id, record_id=record_id, comment=form.comment.data or ""
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your appeal has been sent to the ecology authority."), "success")
    else:
        flash(_("Explain your appeal in 5 to 1,000 characters."), "error")
    return redirect(url_for("citizen.records"))


@bp.get("/evidence/<int:evidence_id>")
def evidence(evidence_id: int) -> Response:
    return send_own_evidence(evidence_id, owner_id=current_user.id)  # type: ignore[return-value]


# ------------------------------------------------------------------------ reductions


@bp.get("/reductions")
def reductions() -> Response:
    today = local_today()
    return render(
        "citizen/reductions.html",
        "citizen/partials/_reductions.html",
        totals=activity_queries.get_totals(current_user.id),
        by_category=by_category(),
        by_day=activity_queries.grams_by_day(current_user.id, 30, today),
        pagination=activity_queries.list_reductions(current_user.id, bookmark_arg()),
    )


@bp.get("/reductions/<int:reduction_id>")
def reduction(reduction_id: int) -> Response:
    found = activity_queries.get_reduction_for_user(current_user.id, reduction_id)
    if found is None:
        abort(404)
    row, methodology = found
    replaced_by = row.reversed_by_record_id
    snapshot = row.factor_snapshot
    version = next(v for v in methodology.versions if v.id == row.version_id)
    return render(
        "citizen/reduction.html",
        reduction=row,
        methodology=methodology,
        record=row.record,
        texts=texts_for(methodology, version, snapshot),
        methodology_unit=version.activity_unit,
        factors=[{"name": name, **factor} for name, factor in snapshot.items()],
        parameters=[{"name": n, "value": v} for n, v in row.parameters.items() if n != "Q"],
        confidence_labels=CONFIDENCE_LABELS,
        # A reversed reduction links to the one computed from the partner data that replaced it.
        replacement_id=activity_queries.get_live_reduction_id(current_user.id, replaced_by)
        if replaced_by
        else None,
    )


# ---------------------------------------------------------------------- certificates


@bp.get("/certificates")
def certificates() -> Response:
    return render(
        "citizen/certificates.html",
        certificates=certificate_queries.list_certificates(current_user.id),
        shares=list_live_shares(current_user.id),
        sharing_allowed=may_share(current_user, local_today()),
    )


# ------------------------------------------------------------------------ data reads


@bp.get("/data-access")
def data_access() -> Response:
    return render(
        "citizen/data_access.html",
        pagination=account_queries.list_personal_data_reads(current_user.id, page_arg()),
    )


# ----------------------------------------------------------------------------- links


def _links_page(**context: Any) -> dict[str, Any]:
    """The citizen's live links with their partners' names in both languages, and ``context``."""
    links = activity_queries.list_links(current_user.id)
    names = get_partner_names(link.partner_id for link in links)
    return {"links": links, "partner_names": names, **context}


@bp.get("/links")
def links() -> Response:
    return render("citizen/links.html", **_links_page(form=EmptyForm(), code=None))


@bp.post("/links/code")
def link_code() -> Response:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    code = create_link_code(current_user.id)
    return render(
        "citizen/links.html",
        "citizen/partials/_link_code.html",
        **_links_page(form=EmptyForm(formdata=None), code=code),
    )


@bp.post("/links/<int:link_id>/unlink")
def unlink(link_id: int) -> Response:
    try:
        unlink_account(user_id=current_user.id, link_id=link_id)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(
            _("The link has been removed; that app can no longer send records for you."), "success"
        )
    if htmx:
        response = current_app.make_response(("", 204))
        response.headers["HX-Redirect"] = url_for("citizen.links")
        return response
    return redirect(url_for("citizen.links"))
