"""Public-welfare pages: anyone sees the projects; a logged-in citizen donates in two steps
(amount, then confirmation with a one-time token, so a replayed POST donates once)."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.models import Role
from portal.accounts.queries import get_public_names, may_spend_points
from portal.blueprints.shared.welfare_labels import welfare_labels
from portal.blueprints.welfare import bp
from portal.blueprints.welfare.forms import ConfirmDonationForm, DonateForm
from portal.errors import DomainError
from portal.ledger.queries import get_balance
from portal.web.auth import require_role
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.pagination import page_arg
from portal.welfare import queries, services
from portal.welfare.models import Project

bp.context_processor(welfare_labels)


def _public_project(project_id: int) -> Project:
    project = queries.get_project(project_id, public=True)
    if project is None:
        abort(404)
    return project


@bp.get("")
def index() -> Response:
    pagination = queries.list_public_projects(page_arg())
    return render(
        "welfare/index.html",
        pagination=pagination,
        progress=queries.get_progress([p.id for p in pagination.items]),
    )


@bp.get("/<int:project_id>")
def project(project_id: int) -> Response:
    item = _public_project(project_id)
    donations = queries.list_donations(item.id, page_arg())
    return render(
        "welfare/project.html",
        "welfare/partials/_donors.html",
        project=item,
        progress=queries.get_progress([item.id])[item.id],
        donations=donations,
        aliases=get_public_names(d.user_id for d in donations.items),
        updates=queries.list_updates(item.id),
        may_donate=queries.may_donate(item),
    )


def _donor_guard() -> BaseResponse | None:
    return require_role(Role.CITIZEN)


@bp.route("/<int:project_id>/donate", methods=["GET", "POST"])
def donate(project_id: int) -> BaseResponse:
    if (refused := _donor_guard()) is not None:
        return refused
    item = _public_project(project_id)
    form = DonateForm()
    if form.validate_on_submit():
        confirm = ConfirmDonationForm(
            formdata=None, points=str(form.amount), token=secrets.token_urlsafe(24)
        )
        return render("welfare/confirm.html", project=item, form=confirm, points=form.amount)
    return _donate_page(item, form, 422 if form.is_submitted() else 200)


@bp.post("/<int:project_id>/donate/confirm")
def confirm(project_id: int) -> BaseResponse:
    if (refused := _donor_guard()) is not None:
        return refused
    item = _public_project(project_id)
    form = ConfirmDonationForm()
    if form.validate_on_submit():
        try:
            donation = services.donate(
                donor=current_user,
                project_id=item.id,
                points=form.amount,
                form_token=form.token.data or "",
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Thank you: %(points)s points donated.", points=donation.points), "success")
            return redirect(url_for("welfare.donation", donation_id=donation.id))
    return _donate_page(item, DonateForm(formdata=None, points=form.points.data), 422, form)


def _donate_page(
    item: Project, form: DonateForm, status: int, failed: DonateForm | None = None
) -> Response:
    if failed is not None:
        form.points.errors = list(failed.points.errors)
    return render(
        "welfare/donate.html",
        project=item,
        form=form,
        balance=get_balance(current_user.id),
        may_donate=queries.may_donate(item),
        may_spend=may_spend_points(current_user.id),
        status=status,
    )


@bp.get("/donations/<int:donation_id>")
def donation(donation_id: int) -> BaseResponse:
    if (refused := _donor_guard()) is not None:
        return refused
    item = queries.get_donation(current_user.id, donation_id)
    if item is None:
        abort(404)
    return render(
        "welfare/donation.html",
        donation=item,
        project=queries.get_project(item.project_id, public=False),
    )
