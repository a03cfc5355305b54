"""Mall: a published offer, a citizen with points, a voucher redeemed through the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portal.accounts.models import User
from portal.mall.models import Voucher
from portal.mall.rules import new_request_key
from portal.mall.services import redeem
from portal.merchants.models import Merchant, Offer
from portal.merchants.offers import move_offer
from tests.factories.accounts import make_user
from tests.factories.base import next_number
from tests.factories.ledger import make_earn
from tests.factories.merchants import make_offer


def make_published_offer(merchant: Merchant, staff: User, upload_dir: Path, **fields: Any) -> Offer:
    offer = make_offer(merchant, staff, upload_dir, **fields)
    return move_offer(actor=staff, offer_id=offer.id, move="publish")


def make_citizen_with_points(points: int, **fields: Any) -> User:
    user = make_user(**fields)
    if points:
        make_earn(user.id, points, f"test:earn:{user.id}:{next_number()}")
    return user


def make_voucher(user: User, offer: Offer) -> Voucher:
    return redeem(user=user, offer_id=offer.id, request_key=new_request_key())
