"""Demo vouchers: the demo citizen holds two from the Changchun cycling centre (one already
checked by its staff), and a Jilin City citizen holds an unused one at the demo merchant staff's
shop, for them to check. Idempotent: each redemption has a fixed request key, which redeems
once however often the seed runs."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.identity import parse_identifier
from portal.accounts.models import User
from portal.accounts.queries import get_user_by_identifier
from portal.db import session
from portal.mall.models import VoucherStatus
from portal.mall.services import check, redeem
from portal.merchants.models import Offer, OfferRevision

# (holder's login, offer's Chinese title, checked by this staff login or None)
DEMO_VOUCHERS = (
    ("13900000001", "共享单车7天骑行卡", "13900002001"),
    ("13900000001", "净月潭绿色骑行节专属名额", None),
    ("13900001003", "环保购物袋兑换券", None),
)


def _user(login: str) -> User:
    identifier = parse_identifier(login)
    user = get_user_by_identifier(identifier) if identifier else None
    assert user is not None, "seed the accounts first"
    return user


def seed_vouchers() -> None:
    """Redeem (and check) the demo vouchers that are not there yet."""
    for n, (login, title, checker) in enumerate(DEMO_VOUCHERS):
        offer_id = session().scalar(
            select(Offer.id)
            .join(OfferRevision, OfferRevision.id == Offer.current_revision_id)
            .where(OfferRevision.title_zh == title)
        )
        assert offer_id is not None, "seed the merchants first"
        holder = _user(login)
        voucher = redeem(user=holder, offer_id=offer_id, request_key=f"demo-voucher-{n}-{login}")
        if checker is not None and voucher.status == VoucherStatus.UNUSED.value:
            check(actor=_user(checker), merchant_id=voucher.merchant_id, code=voucher.code)
