"""Sign-up, login and logout."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from portal.blueprints.auth.forms import LoginForm, RegisterForm
from portal.blueprints.shared.forms import birth_year_of
from portal.errors import DomainError
from portal.extensions import limiter
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language, select_locale
from portal.web.security import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per minute;30 per hour", methods=["POST"])
def register() -> Response:
    if current_user.is_authenticated:
        return redirect(url_for("citizen.account"))
    form = RegisterForm(language=language())
    if form.validate_on_submit():
        try:
            user = accounts.register_user(
                login=form.login.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                city_code=form.city_code.data or "",
                district=form.district.data,
                privacy_notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
                locale=select_locale(),
                birth_year=birth_year_of(form.birth_year),
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            login_user(user)
            flash(
                _(
                    "Welcome to Tanhui Jilin, %(name)s! Your carbon account is open.",
                    name=user.display_name,
                ),
                "success",
            )
            return redirect(url_for("citizen.account"))
    status = 422 if form.is_submitted() else 200
    return render("auth/register.html", form=form, status=status)


def landing_page(user: User) -> str:
    """Where ``user`` lands after login without a ``next``: staff on their work (an admin on the
    dashboard, an official on the review queue, a court official on their cases), everyone
    else on their carbon account."""
    if user.has_role(Role.ADMIN):
        return url_for("admin.dashboard")
    if user.has_role(Role.OFFICIAL):
        return url_for("official.flagged")
    if user.has_role(Role.COURT):
        return url_for("court.index")
    return url_for("citizen.account")


def _after_login(user: User) -> Response:
    return redirect(safe_next(request.args.get("next"), landing_page(user)))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def login() -> Response:
    if current_user.is_authenticated:
        return _after_login(current_user)
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                form.login.data or "", form.password.data or "", ip=client_ip()
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            login_user(user, remember=bool(form.remember.data))
            return _after_login(user)
    status = 422 if form.is_submitted() else 200
    return render("auth/login.html", form=form, status=status)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        accounts.record_logout(current_user.id, ip=client_ip())
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("public.home"))
