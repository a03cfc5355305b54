"""The words for merchants' stored codes (categories, offer kinds, statuses), for every audience
that shows them: the merchant's own pages, applications, the officials' queue and the mall."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from portal.merchants.models import MerchantCategory, OfferKind

CATEGORY_LABELS = {
    MerchantCategory.CATERING.value: _l("Catering"),
    MerchantCategory.HOTEL.value: _l("Hotel"),
    MerchantCategory.PROPERTY.value: _l("Property management"),
    MerchantCategory.ENERGY_SUPPLY.value: _l("Energy supply"),
    MerchantCategory.URBAN_TRANSPORT.value: _l("Urban transport"),
    MerchantCategory.SHARED_MOBILITY.value: _l("Shared mobility"),
    MerchantCategory.CAR_SALES_SERVICE.value: _l("Car sales and service"),
    MerchantCategory.MALL.value: _l("Shopping mall"),
    MerchantCategory.ONLINE_SHOP.value: _l("Online shop"),
    MerchantCategory.SCENIC_SPOT.value: _l("Scenic spot"),
    MerchantCategory.PERFORMANCE.value: _l("Performance"),
    MerchantCategory.SPORTS_EVENT.value: _l("Sports event"),
    MerchantCategory.VIDEO_PLATFORM.value: _l("Video platform"),
    MerchantCategory.MAP_APP.value: _l("Map app"),
    MerchantCategory.SOCIAL_NETWORK.value: _l("Social network"),
}
OFFER_KIND_LABELS = {
    OfferKind.COUPON.value: _l("Coupon"),
    OfferKind.DISCOUNT.value: _l("Discount"),
    OfferKind.FREE_ITEM.value: _l("Free item"),
    OfferKind.TICKET_DISCOUNT.value: _l("Ticket discount"),
    OfferKind.EVENT_QUOTA.value: _l("Event quota or entrance"),
}


def merchant_labels() -> dict[str, Any]:
    """The label tables, for a blueprint's context processor."""
    return {
        "category_labels": CATEGORY_LABELS,
        "offer_kind_labels": OFFER_KIND_LABELS,
        "offer_status_labels": {
            "draft": pgettext("offer status", "Draft"),
            "published": pgettext("offer status", "Published"),
            "paused": pgettext("offer status", "Paused"),
        },
        "voucher_status_labels": {
            "unused": pgettext("voucher status", "Unused"),
            "used": pgettext("voucher status", "Used"),
            "expired": pgettext("voucher status", "Expired"),
            "cancelled": pgettext("voucher status", "Cancelled"),
        },
        "application_status_labels": {
            "pending": pgettext("merchant application", "Waiting for a decision"),
            "approved": pgettext("merchant application", "Approved"),
            "rejected": pgettext("merchant application", "Rejected"),
        },
    }
