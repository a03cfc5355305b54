"""My data at ``/me/privacy``: download everything the platform holds about me as one JSON
file, and delete my account (a confirmation page with the password); my privacy settings at
``/me/settings/privacy``: the public alias and the opt-in to public lists."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from portal.accounts.queries import may_be_listed
from portal.accounts.rules import is_minor
from portal.accounts.settings import update_privacy_settings
from portal.blueprints.citizen import bp
from portal.blueprints.citizen.forms import DeleteAccountForm, EmptyForm
from portal.blueprints.citizen.privacy_forms import PrivacySettingsForm
from portal.clock import local_today, utcnow
from portal.errors import DomainError
from portal.privacy import services as privacy
from portal.privacy.export import iter_export
from portal.privacy.queries import get_deletion_preview
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render


@bp.get("/privacy")
def privacy_page() -> Response:
    return render(
        "citizen/privacy.html", form=EmptyForm(), preview=get_deletion_preview(current_user.id)
    )


@bp.post("/privacy/export")
def export_data() -> Response:
    """The download: audited first (its own transaction), then streamed from the database."""
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired. Reload the page and try again."), "error")
        return redirect(url_for("citizen.privacy_page"))
    privacy.record_export(current_user.id, ip=client_ip())
    now = utcnow()
    response = current_app.response_class(
        stream_with_context(iter_export(current_user.id, now)),
        content_type="application/json; charset=utf-8",
    )
    name = f"tanhui-jilin-my-data-{now.date().isoformat()}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/privacy/delete", methods=["GET", "POST"])
def delete_account() -> Response:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        goodbye = _("Your account has been deleted. Thank you for reducing carbon with us.")
        try:
            privacy.delete_account(
                user_id=current_user.id,
                password=form.password.data or "",
                ip=client_ip(),
                upload_dir=Path(current_app.instance_path) / "uploads",
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            logout_user()
            flash(goodbye, "success")
            return redirect(url_for("public.home"))
    return render(
        "citizen/delete_account.html",
        form=form,
        preview=get_deletion_preview(current_user.id),
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/settings/privacy", methods=["GET", "POST"])
def privacy_settings() -> Response:
    user = current_user._get_current_object()
    form = PrivacySettingsForm(
        data={"alias": user.display_name, "is_publicly_listed": user.is_publicly_listed}
    )
    if form.validate_on_submit():
        try:
            update_privacy_settings(
                user.id,
                alias=form.alias.data or "",
                is_publicly_listed=bool(form.is_publicly_listed.data),
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your privacy settings are saved."), "success")
            return redirect(url_for("citizen.privacy_settings"))
    return render(
        "citizen/privacy_settings.html",
        form=form,
        user=user,
        is_minor=is_minor(user.birth_year, local_today()),
        is_listed=may_be_listed(user),
        status=422 if form.is_submitted() else 200,
    )
