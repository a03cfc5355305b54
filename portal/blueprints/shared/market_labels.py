"""The words and numbers of the market pages (public, buyer and operator): order and listing
statuses, prices in yuan written from fen, and the time an order has left."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.clock import utcnow
from portal.market.models import ListingStatus, OrderStatus
from portal.market.order_rules import seconds_left, yuan_text

ORDER_STATUS_LABELS = {
    OrderStatus.RESERVED.value: _l("Reserved, awaiting payment"),
    OrderStatus.PAID.value: _l("Paid"),
    OrderStatus.CANCELLED.value: _l("Cancelled, tonnes released"),
    OrderStatus.EXPIRED.value: _l("Expired unpaid, tonnes released"),
}
LISTING_STATUS_LABELS = {
    ListingStatus.OPEN.value: _l("On sale"),
    ListingStatus.CLOSED.value: _l("Closed"),
}


def yuan(fen: int) -> str:
    """``¥12,345.50`` from 1234550 fen."""
    return f"¥{yuan_text(fen)}"


def time_left(expires_at: datetime) -> str:
    """What is left before an order expires, in hours and minutes (or that it has passed)."""
    seconds = seconds_left(expires_at, utcnow())
    if seconds == 0:
        return _("Expired: no longer payable")
    hours, minutes = divmod(seconds // 60, 60)
    return _("%(hours)s h %(minutes)s min left", hours=hours, minutes=minutes)


def vintage_text(vintage: int) -> str:
    """A batch's vintage YYYYMM as ``YYYY-MM``."""
    return f"{vintage // 100:04d}-{vintage % 100:02d}"


def market_labels() -> dict[str, Any]:
    """A context processor for the market pages."""
    return {
        "order_status_labels": ORDER_STATUS_LABELS,
        "listing_status_labels": LISTING_STATUS_LABELS,
        "yuan": yuan,
        "time_left": time_left,
        "vintage_text": vintage_text,
    }
