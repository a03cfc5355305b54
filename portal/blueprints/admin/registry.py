"""The operator's registry pages: list an issued batch's available tonnes at a price, close or
relist a listing, and the orders queue where bank transfers are recorded as payments and
orders cancelled. Every command is audited by its service."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.queries import get_organisations
from portal.blueprints.admin.registry_forms import ConfirmForm, PaymentForm, PriceForm
from portal.blueprints.admin.views import bp
from portal.blueprints.shared.market_labels import market_labels
from portal.errors import DomainError
from portal.market import listings
from portal.market import orders as order_services
from portal.market import trade_queries as queries
from portal.market.payments import payment_method
from portal.web.auth import client_ip
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp.context_processor(market_labels)


@bp.get("/registry")
def registry_listings() -> Response:
    pagination = queries.list_issued_batches(page_arg())
    ids = [batch.id for batch in pagination.items]
    return render(
        "admin/registry.html",
        pagination=pagination,
        methodologies=queries.get_methodologies(list(pagination.items)),
        available=queries.get_available_tonnes(ids),
        listed=queries.get_open_listings(ids),
        form=PriceForm(formdata=None),
        confirm=ConfirmForm(formdata=None),
    )


def _flash_outcome(done: str, command: object, **kwargs: object) -> None:
    try:
        command(actor=current_user, ip=client_ip(), **kwargs)  # type: ignore[operator]
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(done, "success")


def _flash_invalid(errors: list[object]) -> None:
    message = " ".join(str(error) for error in errors)
    flash(message or _("The form expired. Reload the page and try again."), "error")


@bp.post("/registry/batches/<int:batch_id>/list")
def list_registry_batch(batch_id: int) -> BaseResponse:
    form = PriceForm()
    if form.validate_on_submit():
        _flash_outcome(
            _("Listed: buyers can order now."),
            listings.list_batch,
            batch_id=batch_id,
            price=form.price.data,
        )
    else:
        _flash_invalid(form.price.errors)
    return redirect(url_for("admin.registry_listings"))


@bp.post("/registry/listings/<int:listing_id>/relist")
def relist_registry_listing(listing_id: int) -> BaseResponse:
    form = PriceForm()
    if form.validate_on_submit():
        _flash_outcome(
            _("Relisted at the new price."),
            listings.relist,
            listing_id=listing_id,
            price=form.price.data,
        )
    else:
        _flash_invalid(form.price.errors)
    return redirect(url_for("admin.registry_listings"))


@bp.post("/registry/listings/<int:listing_id>/close")
def close_registry_listing(listing_id: int) -> BaseResponse:
    if ConfirmForm().validate_on_submit():
        _flash_outcome(_("Listing closed."), listings.close_listing, listing_id=listing_id)
    return redirect(url_for("admin.registry_listings"))


@bp.get("/registry/orders")
def registry_orders() -> Response:
    status = request.args.get("status", "reserved")
    pagination = queries.list_all_orders(status or None, page_arg())
    return render(
        "admin/registry_orders.html",
        pagination=pagination,
        current_status=status,  # not ``status``: render() takes that as the HTTP status
        orgs=get_organisations({o.buyer_org_id for o in pagination.items}),
        batches=queries.get_batches(list({o.batch_id for o in pagination.items})),
        form=PaymentForm(formdata=None),
    )


@bp.post("/registry/orders/<int:order_id>/pay")
def pay_registry_order(order_id: int) -> BaseResponse:
    form = PaymentForm()
    if form.validate_on_submit():
        _flash_outcome(
            _("Payment recorded: the tonnes are the buyer's."),
            payment_method().record_payment,
            order_id=order_id,
            reference=form.reference.data or "",
        )
    else:
        _flash_invalid(form.reference.errors)
    return redirect(url_for("admin.registry_orders"))


@bp.route("/registry/orders/<int:order_id>/cancel", methods=["GET", "POST"])
def cancel_registry_order(order_id: int) -> BaseResponse:
    order = queries.get_order(order_id)
    if order is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        _flash_outcome(
            _("Order cancelled: its tonnes are released."),
            order_services.cancel_order,
            order_id=order.id,
        )
        return redirect(url_for("admin.registry_orders"))
    back = url_for("admin.registry_orders")
    return render("shared/order_cancel.html", order=order, form=form, back=back)
