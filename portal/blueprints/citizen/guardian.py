"""Guardian consent pages (``portal.accounts.guardians``): ``/me/settings/guardian`` shows a
minor their consent and lets them invite a guardian (the link is shown once), and shows an
adult the consents they gave, each with a withdraw button; ``/me/guardian/<token>`` is the
link the guardian opens, logged in, to confirm."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import guardians
from portal.accounts import queries as accounts
from portal.accounts.rules import is_minor
from portal.blueprints.citizen import bp
from portal.blueprints.citizen.forms import EmptyForm
from portal.blueprints.citizen.privacy_forms import GuardianConsentForm, InviteGuardianForm
from portal.blueprints.shared.forms import birth_year_of
from portal.clock import local_today, utcnow
from portal.errors import DomainError, NotFound
from portal.extensions import limiter
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render

NO_REFERRER = {"Referrer-Policy": "no-referrer"}  # a page holding a token leaks it to no one


def _guardian_page(
    form: InviteGuardianForm, status: int = 200, link: str | None = None
) -> Response:
    user = current_user._get_current_object()
    response = render(
        "citizen/guardian.html",
        form=form,
        withdraw_form=EmptyForm(),
        is_minor=is_minor(user.birth_year, local_today()),
        consent=accounts.get_consent_in_force(user.id),
        pending=accounts.get_pending_invitation(user.id, utcnow()),
        given=accounts.list_consents_given(user.id),
        link=link,
        status=status,
    )
    if link is not None:
        response.headers.update(NO_REFERRER)
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/settings/guardian")
def guardian_page() -> Response:
    return _guardian_page(InviteGuardianForm(formdata=None))


@bp.post("/settings/guardian/invite")
@limiter.limit("10 per hour")
def invite_guardian() -> Response:
    form = InviteGuardianForm()
    if form.validate_on_submit():
        try:
            invited = guardians.invite_guardian(
                minor_id=current_user.id, contact=form.contact.data or "", ip=client_ip()
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            link = url_for("citizen.guardian_consent", token=invited.token, _external=True)
            return _guardian_page(InviteGuardianForm(formdata=None), link=link)
    return _guardian_page(form, status=422)


@bp.route("/guardian/<token>", methods=["GET", "POST"])
def guardian_consent(token: str) -> Response:
    """The guardian's confirmation step: who asks, what they agree to, a box to tick."""
    try:
        invitation = guardians.find_invitation(token, utcnow())
    except DomainError as error:
        status = 404 if isinstance(error, NotFound) else 410
        return _link_refused(str(error.message), status)
    form = GuardianConsentForm()
    if current_user.birth_year is not None:
        del form.birth_year
    if form.validate_on_submit():
        try:
            guardians.accept_invitation(
                guardian_id=current_user.id,
                token=token,
                notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
                birth_year=birth_year_of(form.birth_year) if "birth_year" in form else None,
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Thank you: your consent is recorded. You can withdraw it here."), "success")
            return redirect(url_for("citizen.guardian_page"))
    minor = accounts.get_user(invitation.minor_id)
    response = render(
        "citizen/guardian_consent.html",
        form=form,
        minor=minor,
        invitation=invitation,
        status=422 if form.is_submitted() else 200,
    )
    response.headers.update(NO_REFERRER)
    return response


def _link_refused(message: str, status: int) -> Response:
    response = render("citizen/guardian_link.html", message=message, status=status)
    response.headers.update(NO_REFERRER)
    return response


@bp.post("/settings/guardian/consents/<int:consent_id>/withdraw")
def withdraw_guardian_consent(consent_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired. Reload the page and try again."), "error")
    else:
        try:
            guardians.withdraw_consent(
                guardian_id=current_user.id, consent_id=consent_id, ip=client_ip()
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Your consent is withdrawn."), "success")
    return redirect(url_for("citizen.guardian_page"))
