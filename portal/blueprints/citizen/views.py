"""The citizen's own pages: account overview and password change."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from portal.accounts import services as accounts
from portal.blueprints.auth.forms import ChangePasswordForm
from portal.errors import DomainError
from portal.web import attach_error, client_ip, render

bp = Blueprint("citizen", __name__)


@bp.get("/")
def account() -> Response:
    return render("citizen/account.html", user=current_user)


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
