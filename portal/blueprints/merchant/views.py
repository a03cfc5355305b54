"""The merchant dashboard (offers, paginated), an offer's page with its edit history, the offer
form (create and edit) and the publish / pause actions, for the staff of that merchant."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from portal.accounts.models import Organisation
from portal.blueprints.merchant import bp
from portal.blueprints.merchant.forms import CheckForm, OfferForm, OfferMoveForm, VoucherCodeForm
from portal.blueprints.shared.merchant_labels import merchant_labels
from portal.errors import DomainError, NotFound
from portal.images import MAX_IMAGE_BYTES
from portal.mall.queries import list_daily_counts
from portal.mall.services import check, find_for_check
from portal.merchants.models import Merchant, OfferRevision
from portal.merchants.offers import OfferTerms, create_offer, move_offer, revise_offer
from portal.merchants.queries import (
    get_staff_merchant,
    get_staff_offer,
    list_offers,
    list_revisions,
    list_staff_merchants,
)
from portal.web.errors import attach_error
from portal.web.htmx import render
from portal.web.i18n import language
from portal.web.pagination import page_arg

bp.context_processor(merchant_labels)


def _upload_dir() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _upload(field: FileStorage | None) -> bytes | None:
    # One byte past the limit is enough for the service to refuse an oversized file.
    if field is None or not field.filename:
        return None
    return field.stream.read(MAX_IMAGE_BYTES + 1)


def _terms(form: OfferForm) -> OfferTerms:
    return OfferTerms(
        title_zh=form.title_zh.data or "",
        title_en=form.title_en.data or "",
        terms_zh=form.terms_zh.data or "",
        terms_en=form.terms_en.data or "",
        points_cost=form.points_cost.data,
        inventory=form.inventory.data,
        per_person_limit=form.per_person_limit.data,
        valid_from=form.valid_from.data,
        valid_until=form.valid_until.data,
        city_codes=form.city_codes.data or [],
    )


@bp.get("/")
def dashboard() -> Response:
    merchants = list_staff_merchants(current_user.id)
    if len(merchants) == 1:
        return redirect(url_for("merchant.offers", merchant_id=merchants[0][0].id))
    return render("merchant/dashboard.html", merchants=merchants)


@bp.get("/<int:merchant_id>/")
def offers(merchant_id: int) -> Response:
    merchant, organisation = _staff_merchant(merchant_id)
    return render(
        "merchant/offers.html",
        merchant=merchant,
        organisation=organisation,
        pagination=list_offers(merchant.id, page_arg()),
    )


@bp.route("/<int:merchant_id>/offers/new", methods=["GET", "POST"])
def new_offer(merchant_id: int) -> Response:
    if get_staff_merchant(current_user.id, merchant_id) is None:
        abort(404)
    form = OfferForm(language=language())
    if form.validate_on_submit():
        try:
            offer = create_offer(
                actor=current_user,
                merchant_id=merchant_id,
                kind=form.kind.data or "",
                terms=_terms(form),
                image=_upload(form.image.data) or b"",
                upload_dir=_upload_dir(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Offer saved as a draft. Publish it when it is ready."), "success")
            return redirect(url_for("merchant.offer", offer_id=offer.id))
    return render(
        "merchant/offer_form.html",
        form=form,
        merchant_id=merchant_id,
        offer=None,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/offers/<int:offer_id>")
def offer(offer_id: int) -> Response:
    found = get_staff_offer(current_user.id, offer_id)
    if found is None:
        abort(404)
    item, current = found
    return render(
        "merchant/offer.html",
        offer=item,
        current=current,
        revisions=list_revisions(item.id),
        move_form=OfferMoveForm(),
    )


def _edit_form(current: OfferRevision, inventory: int) -> OfferForm:
    form = OfferForm(language=language(), editing=True, obj=current)
    if not form.is_submitted():
        form.inventory.data = inventory
        form.seen_revision.data = str(current.number)
        form.seen_inventory.data = str(inventory)
    return form


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
def edit_offer(offer_id: int) -> Response:
    found = get_staff_offer(current_user.id, offer_id)
    if found is None:
        abort(404)
    item, current = found
    form = _edit_form(current, item.inventory)
    if form.validate_on_submit():
        seen = (form.seen_revision.data or "", form.seen_inventory.data or "")
        if not all(value.isdigit() and len(value) < 10 for value in seen):
            abort(400)  # the hidden fields were not the ones this page wrote
        try:
            revise_offer(
                actor=current_user,
                offer_id=item.id,
                terms=_terms(form),
                seen_revision=int(seen[0]),
                seen_inventory=int(seen[1]),
                image=_upload(form.image.data),
                upload_dir=_upload_dir(),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                _("Saved as a new revision; vouchers already issued keep their terms."), "success"
            )
            return redirect(url_for("merchant.offer", offer_id=item.id))
    return render(
        "merchant/offer_form.html",
        form=form,
        merchant_id=item.merchant_id,
        offer=item,
        current=current,
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/offers/<int:offer_id>/move")
def move(offer_id: int) -> Response:
    form = OfferMoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        moved = move_offer(actor=current_user, offer_id=offer_id, move=form.move.data or "")
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(
            _("Published: citizens can redeem it.")
            if moved.status == "published"
            else _("Paused: no one can redeem it until you publish it again."),
            "success",
        )
    return redirect(url_for("merchant.offer", offer_id=offer_id))


def _staff_merchant(merchant_id: int) -> tuple[Merchant, Organisation]:
    found = [m for m in list_staff_merchants(current_user.id) if m[0].id == merchant_id]
    if not found:
        abort(404)
    return found[0]


@bp.get("/<int:merchant_id>/check")
def check_page(merchant_id: int) -> Response:
    """Type or scan a voucher's code; a valid one is shown with what it is for, to confirm."""
    merchant, organisation = _staff_merchant(merchant_id)
    form = VoucherCodeForm(request.args)
    found = None
    if "code" in request.args and form.validate():
        try:
            found = find_for_check(
                actor=current_user, merchant_id=merchant.id, code=form.code.data or ""
            )
        except DomainError as error:
            form.code.errors = [*form.code.errors, str(error.message)]
    return render(
        "merchant/check.html",
        merchant=merchant,
        organisation=organisation,
        form=form,
        found=found,
        check_form=CheckForm(code=found[0].code) if found else None,
    )


@bp.post("/<int:merchant_id>/check")
def check_voucher(merchant_id: int) -> Response:
    merchant, _organisation = _staff_merchant(merchant_id)
    form = CheckForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        voucher = check(actor=current_user, merchant_id=merchant.id, code=form.code.data)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(
            url_for("merchant.check_page", merchant_id=merchant.id, code=form.code.data)
        )
    flash(_("Checked: voucher %(code)s is now used.", code=voucher.display_code), "success")
    return redirect(url_for("merchant.check_page", merchant_id=merchant.id))


@bp.get("/<int:merchant_id>/redemptions")
def redemptions(merchant_id: int) -> Response:
    """Redemptions and checks per offer per day, the last 14 days."""
    merchant, organisation = _staff_merchant(merchant_id)
    return render(
        "merchant/redemptions.html",
        merchant=merchant,
        organisation=organisation,
        rows=list_daily_counts(merchant.id),
    )
