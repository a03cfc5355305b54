"""Retiring an organisation's tonnes in two steps (the form, then a confirmation that shows the
serials to be retired and carries a one-time token, so a replayed POST retires once), and the
organisation's retirements."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.models import Organisation
from portal.blueprints.retire import bp
from portal.blueprints.retire.choices import Choices, choices_for, offer, preselect
from portal.blueprints.retire.forms import ConfirmRetireForm, RetireForm
from portal.blueprints.shared.retirement_labels import retirement_labels
from portal.clock import local_today
from portal.errors import DomainError
from portal.market import retirement_queries as queries
from portal.market.retirements import retire
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp.context_processor(retirement_labels)


def _organisation(organisation_id: int) -> Organisation:
    for org in queries.list_retiring_organisations(current_user.id):
        if org.id == organisation_id:
            return org
    abort(404)


@bp.get("/")
def index() -> BaseResponse:
    organisations = queries.list_retiring_organisations(current_user.id)
    if len(organisations) == 1:
        return redirect(url_for("retire.organisation", organisation_id=organisations[0].id))
    return render("retire/index.html", organisations=organisations)


@bp.route("/<int:organisation_id>/", methods=["GET", "POST"])
def organisation(organisation_id: int) -> Response:
    org = _organisation(organisation_id)
    choices = choices_for(org)
    form = offer(RetireForm(), choices)
    if not form.is_submitted():
        form.year.data = str(local_today().year - 1)
        preselect(form, choices)
    if form.validate_on_submit():
        values = form.values
        serials = queries.preview_serials(org.id, int(str(values["tonnes"])))
        if serials:
            confirm = offer(
                ConfirmRetireForm(formdata=None, data=form.data, token=secrets.token_urlsafe(24)),
                choices,
            )
            return render(
                "retire/confirm.html",
                organisation=org,
                form=confirm,
                serials=serials,
                reference_label=_reference_label(form, choices),
                **values,
            )
        form.tonnes.errors = [
            _("Your organisation holds %(held)s t.", held=queries.held_tonnes(org.id))
        ]
    return _page(org, form, choices, 422 if form.is_submitted() else 200)


def _reference_label(form: RetireForm, choices: Choices) -> str:
    """The chosen event's or case's label, for the confirmation."""
    chosen = choices.cases if form.reference is form.case else choices.events
    return chosen.get(form.reference.data or "", ("", 0))[0]


@bp.post("/<int:organisation_id>/confirm")
def confirm(organisation_id: int) -> BaseResponse:
    org = _organisation(organisation_id)
    choices = choices_for(org)
    form = offer(ConfirmRetireForm(), choices)
    if form.validate_on_submit():
        try:
            done = retire(
                current_user,
                org.id,
                form_token=form.token.data or "",
                ip=client_ip(),
                **form.values,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(tonnes)s t retired.", tonnes=done.tonnes), "success")
            return redirect(url_for("retirements.retirement", code=done.code))
    return _page(org, form, choices, 422)


def _page(org: Organisation, form: RetireForm, choices: Choices, status: int) -> Response:
    return render(
        "retire/organisation.html",
        "retire/partials/_retirements.html",
        organisation=org,
        form=form,
        choices=choices,
        held=queries.held_tonnes(org.id),
        pagination=queries.list_organisation_retirements(org.id, page_arg()),
        status=status,
    )
