"""Citizens' vouchers: the redeem confirmation step (a one-time token per form, so a replayed
POST redeems once), my vouchers by status, one voucher with its QR code (SVG), cancelling."""

from __future__ import annotations

import io

import segno
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import inspect
from werkzeug.wrappers import Response

from portal.accounts.queries import may_spend_points
from portal.blueprints.mall import vouchers_bp as bp
from portal.blueprints.mall.forms import CancelForm, RedeemForm
from portal.blueprints.shared.merchant_labels import merchant_labels
from portal.errors import DomainError
from portal.ledger.queries import get_balance
from portal.mall.models import VoucherStatus
from portal.mall.queries import count_held, get_mall_offer, get_user_voucher, list_user_vouchers
from portal.mall.rules import new_request_key
from portal.mall.services import cancel, redeem
from portal.web.htmx import render
from portal.web.pagination import page_arg

bp.context_processor(merchant_labels)


@bp.route("/redeem/<int:offer_id>", methods=["GET", "POST"])
def confirm(offer_id: int) -> Response:
    form = RedeemForm()
    refusal = None
    if form.validate_on_submit():
        try:
            voucher = redeem(
                user=current_user, offer_id=offer_id, request_key=form.request_key.data
            )
        except DomainError as error:
            refusal = error
        else:
            flash(_("Redeemed: show this voucher at the merchant."), "success")
            # Its id from the identity key: the committed voucher's attributes are expired,
            # and reading voucher.id would load the row again.
            identity = inspect(voucher).identity
            assert identity is not None
            return redirect(url_for("vouchers.voucher", voucher_id=identity[0]))
    # Read after a redemption's POST, which does not show the step again when it succeeds.
    found = get_mall_offer(offer_id)
    if found is None:
        abort(404)
    if refusal is not None:
        flash(str(refusal.message), "error")
    form.request_key.data = new_request_key()  # a fresh token for each rendering of the step
    offer, revision, _merchant, organisation = found
    return render(
        "mall/confirm.html",
        form=form,
        offer=offer,
        revision=revision,
        organisation=organisation,
        balance=get_balance(current_user.id),
        held=count_held(offer.id, current_user.id),
        may_spend=may_spend_points(current_user.id),
    )


@bp.get("/")
def index() -> Response:
    status = request.args.get("status", VoucherStatus.UNUSED.value)
    if status not in set(VoucherStatus):
        status = VoucherStatus.UNUSED.value
    return render(
        "mall/vouchers.html",
        status=status,
        statuses=list(VoucherStatus),
        pagination=list_user_vouchers(current_user.id, status, page_arg()),
    )


def _own(voucher_id: int) -> tuple:  # type: ignore[type-arg]
    found = get_user_voucher(current_user.id, voucher_id)
    if found is None:
        abort(404)
    return found


@bp.get("/<int:voucher_id>")
def voucher(voucher_id: int) -> Response:
    voucher, revision, organisation = _own(voucher_id)
    return render(
        "mall/voucher.html",
        voucher=voucher,
        revision=revision,
        organisation=organisation,
        cancel_form=CancelForm(),
    )


@bp.get("/<int:voucher_id>/qr.svg")
def qr(voucher_id: int) -> Response:
    """The voucher's code as a QR code, for the merchant's camera; only its holder gets it."""
    voucher = _own(voucher_id)[0]
    out = io.BytesIO()
    segno.make(voucher.display_code, error="m").save(out, kind="svg", scale=8, border=2)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:voucher_id>/cancel")
def cancel_voucher(voucher_id: int) -> Response:
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        voucher = cancel(user=current_user, voucher_id=voucher_id)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(
            _("Cancelled: %(points)s points were refunded.", points=voucher.points_cost), "success"
        )
    return redirect(url_for("vouchers.voucher", voucher_id=voucher_id))
