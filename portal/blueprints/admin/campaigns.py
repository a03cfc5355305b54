"""The operator's campaign pages: the list with the themed-day calendar, create and edit a
campaign, fund its budget. Every command is audited by the service."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.blueprints.admin.campaign_forms import PREFIX, FundForm, campaign_form
from portal.blueprints.admin.views import bp
from portal.blueprints.shared.campaign_labels import campaign_labels
from portal.clock import SHANGHAI, local_today, utcnow
from portal.errors import DomainError
from portal.gamification.campaigns import queries, services
from portal.gamification.campaigns.calendar import get_themed_day, load_themed_days
from portal.gamification.campaigns.models import Campaign
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render

bp.context_processor(campaign_labels)


def _local(at: datetime) -> datetime:
    return at.astimezone(SHANGHAI).replace(tzinfo=None)


@bp.get("/campaigns")
def campaigns() -> Response:
    grouped = queries.list_by_phase(utcnow())
    everyone = [c for group in grouped.values() for c in group]
    year = local_today().year
    calendar = [(day, day.occurrence(year), day.occurrence(year + 1)) for day in load_themed_days()]
    return render(
        "admin/campaigns.html",
        grouped=grouped,
        standings=queries.get_standings([c.id for c in everyone]),
        calendar=calendar,
        year=year,
    )


def _prefill(form: object) -> None:
    """A new campaign's form from ``?theme=…&year=…``: the themed day's name and its dates
    that year, when they are known."""
    day = get_themed_day(request.args.get("theme", ""))
    if day is None:
        return
    form.theme.data = day.key  # type: ignore[attr-defined]
    form.title_zh.data, form.title_en.data = day.name_zh, day.name_en  # type: ignore[attr-defined]
    year = request.args.get("year", "")
    occurrence = day.occurrence(int(year)) if year.isdigit() and len(year) == 4 else None
    if occurrence is not None:
        start, end = occurrence.bounds()
        form.starts_at.data, form.ends_at.data = _local(start), _local(end)  # type: ignore[attr-defined]


@bp.route("/campaigns/new", methods=["GET", "POST"])
def new_campaign() -> BaseResponse:
    form = campaign_form(queries.list_scenarios())
    if request.method == "GET":
        form.grace_hours.process_data(48)
        form.cap_points.process_data(200)
        _prefill(form)
    if form.validate_on_submit():
        try:
            campaign = services.save_campaign(
                actor=current_user, fields=form.fields(), ip=client_ip()
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Campaign saved. Fund its budget before it starts."), "success")
            return redirect(url_for("admin.campaign", campaign_id=campaign.id))
    return render(
        "admin/campaign_edit.html",
        form=form,
        campaign=None,
        status=422 if form.is_submitted() else 200,
    )


def _edit_form(campaign: Campaign) -> object:
    form = campaign_form(
        queries.list_scenarios(), obj=campaign if request.method == "GET" else None
    )
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = (
            _local(campaign.starts_at),
            _local(campaign.ends_at),
        )
        for code, percent in campaign.percents.items():
            if (field := form._fields.get(PREFIX + code)) is not None:
                field.data = percent
    return form


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def campaign(campaign_id: int) -> BaseResponse:
    item = queries.get_campaign(campaign_id)
    if item is None:
        abort(404)
    form = _edit_form(item)
    if form.validate_on_submit():  # type: ignore[attr-defined]
        try:
            services.save_campaign(
                actor=current_user,
                fields=form.fields(),  # type: ignore[attr-defined]
                campaign_id=item.id,
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Campaign saved."), "success")
            return redirect(url_for("admin.campaign", campaign_id=item.id))
    fund_form = FundForm(formdata=None, token=secrets.token_urlsafe(24))
    return _edit_page(item, form, fund_form, 422 if request.method == "POST" else 200)


def _edit_page(item: Campaign, form: object, fund_form: FundForm, status: int) -> Response:
    return render(
        "admin/campaign_edit.html",
        form=form,
        campaign=item,
        fund_form=fund_form,
        standing=queries.get_standings([item.id])[item.id],
        phase=item.window.phase(utcnow()),
        status=status,
    )


@bp.post("/campaigns/<int:campaign_id>/fund")
def fund_campaign(campaign_id: int) -> BaseResponse:
    item = queries.get_campaign(campaign_id)
    if item is None:
        abort(404)
    fund_form = FundForm()
    if fund_form.validate_on_submit():
        try:
            tx_id = services.fund_campaign(
                actor=current_user,
                campaign_id=item.id,
                points=fund_form.points.data,
                form_token=fund_form.token.data or "",
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(fund_form, error)
        else:
            if tx_id is None:
                flash(_("This funding was already made."), "info")
            else:
                flash(_("The budget was funded."), "success")
            return redirect(url_for("admin.campaign", campaign_id=item.id))
    return _edit_page(item, _edit_form(item), fund_form, 422)
