"""Buyer pages. An order takes two steps (tonnes, then a confirmation showing tonnes × price
with a one-time token, so a replayed POST orders once); a cancel asks to confirm first."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.blueprints.buyer import bp
from portal.blueprints.buyer.forms import CancelForm, ConfirmOrderForm, OrderForm
from portal.blueprints.shared.market_labels import market_labels
from portal.errors import DomainError
from portal.market import orders as order_services
from portal.market import trade_queries as queries
from portal.market.models import Listing, ListingStatus, Order
from portal.web.auth import client_ip
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import localized
from portal.web.pagination import page_arg

bp.context_processor(market_labels)


def _my_org_ids() -> list[int]:
    return [org.id for org in queries.buyer_organisations(current_user)]


def _open_listing(listing_id: int) -> Listing:
    listing = queries.get_listing(listing_id)
    if listing is None or listing.status != ListingStatus.OPEN.value:
        abort(404)
    return listing


def _my_order(order_id: int) -> Order:
    order = queries.get_order(order_id)
    if order is None or order.buyer_org_id not in _my_org_ids():
        abort(404)
    return order


def _with_choices(form: OrderForm) -> OrderForm:
    form.org_id.choices = [
        (str(org.id), localized(org, "name")) for org in queries.buyer_organisations(current_user)
    ]
    return form


def _listing_context(listing: Listing) -> dict[str, object]:
    batch = queries.get_batches([listing.batch_id])[listing.batch_id]
    return {
        "listing": listing,
        "batch": batch,
        "methodology": queries.get_methodologies([batch])[batch.methodology_id],
        "available": queries.get_available_tonnes([batch.id])[batch.id],
    }


@bp.route("/listings/<int:listing_id>/order", methods=["GET", "POST"])
def order(listing_id: int) -> BaseResponse:
    listing = _open_listing(listing_id)
    form = _with_choices(OrderForm())
    if form.validate_on_submit():
        confirm = _with_choices(
            ConfirmOrderForm(
                formdata=None,
                org_id=form.org_id.data,
                tonnes=str(form.amount),
                token=secrets.token_urlsafe(24),
            )
        )
        return render(
            "buyer/confirm.html",
            form=confirm,
            tonnes=form.amount,
            org_name=dict(form.org_id.choices)[form.org_id.data],  # type: ignore[arg-type]
            **_listing_context(listing),
        )
    status = 422 if form.is_submitted() else 200
    return render("buyer/order.html", form=form, status=status, **_listing_context(listing))


@bp.post("/listings/<int:listing_id>/order/confirm")
def confirm_order(listing_id: int) -> BaseResponse:
    listing = _open_listing(listing_id)
    form = _with_choices(ConfirmOrderForm())
    if form.validate_on_submit():
        try:
            placed = order_services.place_order(
                actor=current_user,
                listing_id=listing.id,
                buyer_org_id=form.org,
                tonnes=form.amount,
                form_token=form.token.data or "",
                expiry_hours=int(current_app.config["ORDER_EXPIRY_HOURS"]),
                ip=client_ip(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Order placed: the tonnes are reserved for you until it expires."), "success")
            return redirect(url_for("buyer.order_detail", order_id=placed.id))
    retry = _with_choices(
        OrderForm(formdata=None, org_id=form.org_id.data, tonnes=form.tonnes.data)
    )
    retry.tonnes.errors = list(form.tonnes.errors)
    retry.org_id.errors = list(form.org_id.errors)
    return render("buyer/order.html", form=retry, status=422, **_listing_context(listing))


@bp.get("")
def orders() -> Response:
    pagination = queries.list_orders_of(_my_org_ids(), page_arg())
    return render("buyer/orders.html", pagination=pagination, **_order_names(pagination.items))


def _order_names(items: list[Order]) -> dict[str, object]:
    batches = queries.get_batches(list({o.batch_id for o in items}))
    return {
        "batches": batches,
        "orgs": {o.id: o for o in queries.buyer_organisations(current_user)},
    }


@bp.get("/orders/<int:order_id>")
def order_detail(order_id: int) -> Response:
    item = _my_order(order_id)
    return render(
        "buyer/order_detail.html",
        order=item,
        may_cancel=order_services.may_cancel(current_user, item),
        bank_account=current_app.config["MARKET_BANK_ACCOUNT"],
        **_order_names([item]),
    )


@bp.route("/orders/<int:order_id>/cancel", methods=["GET", "POST"])
def cancel(order_id: int) -> BaseResponse:
    item = _my_order(order_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            order_services.cancel_order(actor=current_user, order_id=item.id, ip=client_ip())
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Order cancelled: its tonnes are released."), "success")
        return redirect(url_for("buyer.order_detail", order_id=item.id))
    back = url_for("buyer.order_detail", order_id=item.id)
    return render("shared/order_cancel.html", order=item, form=form, back=back)


@bp.get("/holdings")
def holdings() -> Response:
    return render(
        "buyer/holdings.html",
        groups=[
            (org, queries.list_holdings(org.id))
            for org in queries.buyer_organisations(current_user)
        ],
    )
