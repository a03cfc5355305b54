"""Reads for the mall: published offers to browse, one offer's page, a citizen's vouchers, a
merchant's voucher by code and its redemptions and checks per offer per day."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import String, cast, func, or_, select

from portal.accounts.models import Organisation
from portal.clock import SHANGHAI, utcnow
from portal.db import session
from portal.mall.models import Voucher, VoucherStatus
from portal.merchants.models import Merchant, Offer, OfferRevision, OfferStatus
from portal.pagination import paginate_rows

SORTS = ("newest", "cost_asc", "cost_desc")
_ORDER: dict[str, Any] = {
    "newest": (Offer.published_at.desc(), Offer.id.desc()),
    "cost_asc": (OfferRevision.points_cost, Offer.id.desc()),
    "cost_desc": (OfferRevision.points_cost.desc(), Offer.id.desc()),
}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class MallFilter:
    """What the citizen browses by; empty strings mean no filter."""

    city_code: str = ""
    category: str = ""
    search: str = ""
    sort: str = "newest"


def _offers() -> Any:
    return (
        select(Offer, OfferRevision, Merchant, Organisation)
        .join(OfferRevision, OfferRevision.id == Offer.current_revision_id)
        .join(Merchant, Merchant.id == Offer.merchant_id)
        .join(Organisation, Organisation.id == Merchant.organisation_id)
        .where(Offer.status == OfferStatus.PUBLISHED.value)
    )


def list_mall_offers(wanted: MallFilter, page: int = 1) -> Pagination:
    """Published offers still in their window; items ``(offer, revision, merchant, org)``. A
    city filter keeps the offers bound to that city and those for every city."""
    stmt = _offers().where(OfferRevision.valid_until > utcnow())
    if wanted.city_code:
        # Cities are six-digit codes in a JSON list: its text holds '"220100"' exactly when
        # the list does (the same on SQLite and PostgreSQL).
        codes = cast(OfferRevision.city_codes, String)
        stmt = stmt.where(or_(codes == "[]", codes.like(f'%"{wanted.city_code}"%')))
    if wanted.category:
        stmt = stmt.where(Merchant.category == wanted.category)
    if wanted.search:
        pattern = _like(wanted.search)
        stmt = stmt.where(
            or_(
                OfferRevision.title_zh.like(pattern, escape="\\"),
                func.lower(OfferRevision.title_en).like(pattern.lower(), escape="\\"),
            )
        )
    return paginate_rows(stmt.order_by(*_ORDER.get(wanted.sort, _ORDER["newest"])), page)


def get_mall_offer(offer_id: int) -> tuple[Offer, OfferRevision, Merchant, Organisation] | None:
    """A published offer with its current revision, merchant and organisation."""
    row = session().execute(_offers().where(Offer.id == offer_id)).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


def count_held(offer_id: int, user_id: int) -> int:
    """The user's vouchers of this offer that count against its per-person limit (all but the
    cancelled ones, whose points came back)."""
    return int(
        session().scalar(
            select(func.count())
            .select_from(Voucher)
            .where(
                Voucher.offer_id == offer_id,
                Voucher.user_id == user_id,
                Voucher.status != VoucherStatus.CANCELLED.value,
            )
        )
        or 0
    )


def _vouchers() -> Any:
    return (
        select(Voucher, OfferRevision, Organisation)
        .join(OfferRevision, OfferRevision.id == Voucher.revision_id)
        .join(Merchant, Merchant.id == Voucher.merchant_id)
        .join(Organisation, Organisation.id == Merchant.organisation_id)
    )


def list_user_vouchers(user_id: int, status: str, page: int = 1) -> Pagination:
    """The user's vouchers of one status, newest first; items ``(voucher, revision, org)``."""
    return paginate_rows(
        _vouchers()
        .where(Voucher.user_id == user_id, Voucher.status == status)
        .order_by(Voucher.id.desc()),
        page,
    )


def list_open_vouchers(user_id: int, now: datetime) -> list[Voucher]:
    """The user's vouchers still usable at ``now`` (unused, not expired), oldest first."""
    return list(
        session().scalars(
            select(Voucher)
            .where(
                Voucher.user_id == user_id,
                Voucher.status == VoucherStatus.UNUSED.value,
                Voucher.expires_at > now,
            )
            .order_by(Voucher.id)
        )
    )


def get_user_voucher(
    user_id: int, voucher_id: int
) -> tuple[Voucher, OfferRevision, Organisation] | None:
    row = (
        session()
        .execute(_vouchers().where(Voucher.id == voucher_id, Voucher.user_id == user_id))
        .first()
    )
    return None if row is None else (row[0], row[1], row[2])


def get_merchant_voucher(
    merchant_id: int, code: str
) -> tuple[Voucher, OfferRevision, Organisation] | None:
    """The voucher with this (normalised) code, if it is one of this merchant's."""
    row = (
        session()
        .execute(_vouchers().where(Voucher.code == code, Voucher.merchant_id == merchant_id))
        .first()
    )
    return None if row is None else (row[0], row[1], row[2])


@dataclass(frozen=True)
class DayCount:
    day: date  # Beijing time
    offer_id: int
    title_zh: str
    title_en: str
    redeemed: int
    checked: int


def list_daily_counts(merchant_id: int, days: int = 14) -> list[DayCount]:
    """Redemptions and checks per offer per day (Beijing time) over the last ``days`` days,
    newest day first. Read from the vouchers of that span (bounded by the index on
    ``(merchant_id, issued_at)`` and the window), counted here so both databases agree on days."""
    since = utcnow() - timedelta(days=days)
    rows = session().execute(
        select(Voucher.offer_id, Voucher.issued_at, Voucher.used_at, OfferRevision)
        .join(Offer, Offer.id == Voucher.offer_id)
        .join(OfferRevision, OfferRevision.id == Offer.current_revision_id)
        .where(
            Voucher.merchant_id == merchant_id,
            or_(Voucher.issued_at >= since, Voucher.used_at >= since),
        )
    )
    redeemed: Counter[tuple[date, int]] = Counter()
    checked: Counter[tuple[date, int]] = Counter()
    titles: dict[int, OfferRevision] = {}
    for offer_id, issued_at, used_at, revision in rows:
        titles[offer_id] = revision
        if issued_at >= since:
            redeemed[(issued_at.astimezone(SHANGHAI).date(), offer_id)] += 1
        if used_at is not None and used_at >= since:
            checked[(used_at.astimezone(SHANGHAI).date(), offer_id)] += 1
    keys = sorted(set(redeemed) | set(checked), key=lambda k: (-k[0].toordinal(), k[1]))
    return [
        DayCount(
            day,
            offer_id,
            titles[offer_id].title_zh,
            titles[offer_id].title_en,
            redeemed[(day, offer_id)],
            checked[(day, offer_id)],
        )
        for day, offer_id in keys
    ]
