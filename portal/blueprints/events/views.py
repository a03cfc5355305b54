"""Event pages: anyone sees the events, their footprints (by category, with every factor's
source) and whether they are 碳中和; an organiser (a buyer member of an event-organiser
organisation) records and edits events, calculates footprints and links mall offers."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.blueprints.events import bp
from portal.blueprints.events.forms import (
    CATEGORY_LABELS,
    CHART_LABELS,
    FACTOR_UNIT_LABELS,
    INPUT_LABELS,
    KIND_LABELS,
    EventForm,
    FootprintForm,
    LinkOfferForm,
)
from portal.blueprints.shared.forms import PortalForm
from portal.certificates.models import Certificate
from portal.db import session
from portal.errors import DomainError
from portal.market.events import footprint, queries, services
from portal.market.events.models import Event, EventFootprint
from portal.web.auth import client_ip, require_role
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language, localized
from portal.web.pagination import page_arg


@bp.context_processor
def _labels() -> dict[str, object]:
    return {
        "event_kind_labels": KIND_LABELS,
        "input_labels": INPUT_LABELS,
        "factor_unit_labels": FACTOR_UNIT_LABELS,
        "category_labels": CATEGORY_LABELS,
        "categories": footprint.CATEGORIES,
        "keys_by_category": {
            category: [k for k, f in footprint.load_factors().items() if f.category == category]
            for category in footprint.CATEGORIES
        },
    }


def _event(event_id: int) -> Event:
    event = queries.get_event(event_id)
    if event is None:
        abort(404)
    return event


@bp.get("")
def index() -> Response:
    pagination = queries.list_public_events(page_arg())
    ids = [e.id for e in pagination.items]
    return render(
        "events/index.html",
        pagination=pagination,
        neutral=queries.neutral_event_ids(ids),
        tonnes=queries.latest_tonnes(ids),
    )


@bp.get("/<int:event_id>")
def event(event_id: int) -> Response:
    item = _event(event_id)
    latest = queries.latest_footprint(item.id)
    certificate = session().get(Certificate, item.certificate_id) if item.certificate_id else None
    return render(
        "events/event.html",
        event=item,
        footprint=latest,
        chart=_chart(latest),
        factors=footprint.factors_from_snapshot(latest.factors) if latest else {},
        retired=queries.retired_tonnes(item.id),
        neutral=queries.is_neutral(item),
        certificate=certificate,
        offers=queries.linked_offers(item.id),
        may_organise=queries.may_organise(current_user, item),
    )


def _chart(row: EventFootprint | None) -> list[tuple[str, int]]:
    """(short category label, kg rounded up) of a stored footprint, in the guideline's order."""
    if row is None:
        return []
    factors = footprint.factors_from_snapshot(row.factors)
    grams = dict.fromkeys(footprint.CATEGORIES, 0)
    for key, value in row.lines.items():
        grams[factors[key].category] += int(value)
    return [(str(CHART_LABELS[c]), -(-g // 1000)) for c, g in grams.items()]


def _login() -> BaseResponse | None:
    """Log in first (any audience: whether the user organises events is checked per page)."""
    return require_role(None)


@bp.get("/mine")
def mine() -> BaseResponse:
    if (refused := _login()) is not None:
        return refused
    orgs = queries.organiser_organisations(current_user)
    return render(
        "events/mine.html",
        orgs=orgs,
        pagination=queries.list_organisation_events([o.id for o in orgs], page_arg()),
    )


def _organised(event_id: int) -> Event | BaseResponse:
    """The event if the user organises it; otherwise back to its public page."""
    item = _event(event_id)
    if not queries.may_organise(current_user, item):
        flash(_("Only the event's organiser may do that."), "error")
        return redirect(url_for("events.event", event_id=item.id))
    return item


@bp.route("/new", methods=["GET", "POST"])
def create() -> BaseResponse:
    if (refused := _login()) is not None:
        return refused
    orgs = queries.organiser_organisations(current_user)
    if not orgs:
        return redirect(url_for("events.mine"))
    form = EventForm(language=language())
    form.organisation_id.choices = [(str(o.id), localized(o, "name")) for o in orgs]
    if form.validate_on_submit():
        try:
            item = services.create_event(
                actor=current_user,
                organisation_id=int(form.organisation_id.data or 0),
                fields=form.fields(),
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Event recorded. Now calculate its footprint."), "success")
            return redirect(url_for("events.calculate", event_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render("events/form.html", form=form, event=None, status=status)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
def edit(event_id: int) -> BaseResponse:
    if (refused := _login()) is not None:
        return refused
    item = _organised(event_id)
    if not isinstance(item, Event):
        return item
    form = EventForm(obj=item, language=language())
    form.organisation_id.choices = [(str(item.organisation_id), "")]
    form.organisation_id.data = str(item.organisation_id)
    if form.validate_on_submit():
        try:
            services.update_event(
                actor=current_user, event_id=item.id, fields=form.fields(), ip=client_ip()
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Event saved."), "success")
            return redirect(url_for("events.event", event_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render("events/form.html", form=form, event=item, status=status)


@bp.route("/<int:event_id>/footprint", methods=["GET", "POST"])
def calculate(event_id: int) -> BaseResponse:
    if (refused := _login()) is not None:
        return refused
    item = _organised(event_id)
    if not isinstance(item, Event):
        return item
    latest = queries.latest_footprint(item.id)
    form = FootprintForm(data=latest.inputs if latest and not request.form else None)
    if form.validate_on_submit():
        inputs = {key: getattr(form, key).data or "" for key in INPUT_LABELS}
        try:
            row = services.calculate_footprint(
                actor=current_user, event_id=item.id, inputs=inputs, ip=client_ip()
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            return redirect(url_for("events.result", event_id=item.id, version=row.version))
    status = 422 if form.is_submitted() else 200
    return render("events/calculate.html", form=form, event=item, status=status)


@bp.get("/<int:event_id>/footprint/<int:version>")
def result(event_id: int, version: int) -> BaseResponse:
    item = _event(event_id)
    row = queries.get_footprint(item.id, version)
    if row is None:
        abort(404)
    return render(
        "events/result.html",
        event=item,
        footprint=row,
        chart=_chart(row),
        factors=footprint.factors_from_snapshot(row.factors),
        may_organise=queries.may_organise(current_user, item),
    )


@bp.route("/<int:event_id>/offers", methods=["GET", "POST"])
def offers(event_id: int) -> BaseResponse:
    if (refused := _login()) is not None:
        return refused
    item = _organised(event_id)
    if not isinstance(item, Event):
        return item
    form = LinkOfferForm()
    choices = queries.linkable_offers(item.id)
    form.offer_id.choices = [(str(o.id), localized(r, "title")) for o, r in choices]
    if form.validate_on_submit():
        try:
            services.link_offer(
                actor=current_user,
                event_id=item.id,
                offer_id=int(form.offer_id.data or 0),
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Offer linked."), "success")
            return redirect(url_for("events.offers", event_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render(
        "events/offers.html",
        form=form,
        event=item,
        linked=queries.linked_offers(item.id),
        has_choices=bool(choices),
        status=status,
    )


@bp.post("/<int:event_id>/offers/<int:offer_id>/unlink")
def unlink(event_id: int, offer_id: int) -> BaseResponse:
    if (refused := _login()) is not None:
        return refused
    item = _organised(event_id)
    if not isinstance(item, Event):
        return item
    if PortalForm().validate_on_submit():
        try:
            services.unlink_offer(
                actor=current_user, event_id=item.id, offer_id=offer_id, ip=client_ip()
            )
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Offer unlinked."), "success")
    return redirect(url_for("events.offers", event_id=item.id))
