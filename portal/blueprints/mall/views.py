"""The public mall: offers by city and category, searchable, sorted, paginated; an offer's page
with its terms and, for a citizen, the way to redeem it."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.accounts.queries import may_spend_points
from portal.blueprints.mall import bp
from portal.blueprints.mall.forms import BrowseForm
from portal.blueprints.shared.merchant_labels import merchant_labels
from portal.mall.queries import SORTS, MallFilter, count_held, get_mall_offer, list_mall_offers
from portal.web.htmx import render
from portal.web.i18n import language
from portal.web.pagination import page_arg

bp.context_processor(merchant_labels)


@bp.get("/")
def index() -> Response:
    form = BrowseForm(request.args, language=language())
    valid = form.validate()
    wanted = MallFilter(
        city_code=(form.city.data or "") if valid else "",
        category=(form.category.data or "") if valid else "",
        search=(form.q.data or "") if valid else "",
        sort=form.sort.data if valid and form.sort.data in SORTS else "newest",
    )
    args = {k: v for k, v in vars(wanted).items() if v}
    return render(
        "mall/index.html",
        "mall/partials/_offers.html",
        form=form,
        pagination=list_mall_offers(wanted, page_arg()),
        args={
            "city": wanted.city_code,
            "category": wanted.category,
            "q": wanted.search,
            "sort": wanted.sort,
        }
        if args
        else {},
    )


@bp.get("/offers/<int:offer_id>")
def offer(offer_id: int) -> Response:
    found = get_mall_offer(offer_id)
    if found is None:
        abort(404)
    offer, revision, merchant, organisation = found
    is_citizen = current_user.is_authenticated and current_user.has_role(Role.CITIZEN)
    return render(
        "mall/offer.html",
        offer=offer,
        revision=revision,
        merchant=merchant,
        organisation=organisation,
        is_citizen=is_citizen,
        held=count_held(offer.id, current_user.id) if is_citizen else 0,
        may_spend=is_citizen and may_spend_points(current_user.id),
        login_next=request.path,
    )
