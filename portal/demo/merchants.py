"""Demo merchants: two organisations in different cities apply, the demo ecology official
approves them, and their staff publish a few offers with pictures drawn here (deterministic, so a
rerun draws the same bytes). Idempotent: a merchant is found by its organisation's name, an
offer by its Chinese title."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import select

from portal.accounts.identity import parse_identifier
from portal.accounts.models import Organisation, User
from portal.accounts.queries import get_user_by_identifier
from portal.clock import local_midnight, local_today
from portal.db import session
from portal.demo.accounts import DEMO_LOGINS, ensure_user
from portal.merchants import uscc
from portal.merchants.applications import ApplicationInput, apply_for_merchant, decide_application
from portal.merchants.models import Merchant, MerchantApplication, Offer, OfferRevision
from portal.merchants.offers import OfferTerms, create_offer, move_offer

# An offer's kind and its terms but the validity window (set when seeding, from today).
DemoOffer = tuple[str, dict[str, Any]]
_TERMS = ("title_zh", "title_en", "terms_zh", "terms_en", "points_cost", "inventory")


def _offer(
    kind: str, *values: Any, per_person_limit: int, cities: tuple[str, ...] = ()
) -> DemoOffer:
    return kind, {
        **dict(zip(_TERMS, values, strict=True)),
        "per_person_limit": per_person_limit,
        "city_codes": cities,
    }


@dataclass(frozen=True)
class DemoMerchant:
    name_zh: str
    name_en: str
    code_base: str  # the first 17 characters of its credit code; the check character is computed
    category: str
    city_codes: tuple[str, ...]
    staff: tuple[str, str, str]  # login, display name, city
    offers: tuple[DemoOffer, ...]


_MERCHANT_STAFF = next(demo for demo in DEMO_LOGINS if demo.audience == "merchant staff")
_OFFICIAL = next(demo for demo in DEMO_LOGINS if demo.audience == "ecology official")

DEMO_MERCHANTS = (
    DemoMerchant(
        _MERCHANT_STAFF.org[0] if _MERCHANT_STAFF.org else "",
        _MERCHANT_STAFF.org[1] if _MERCHANT_STAFF.org else "",
        "91220200MA0000001",
        "mall",
        ("220200",),
        (_MERCHANT_STAFF.login, _MERCHANT_STAFF.display_name, _MERCHANT_STAFF.city_code),
        (
            _offer(
                "coupon",
                "环保购物袋兑换券",
                "Reusable shopping bag voucher",
                "凭券到服务台领取一个帆布购物袋。每人限领一次。",
                "Collect one canvas shopping bag at the service desk. Once per person.",
                300,
                200,
                per_person_limit=1,
                cities=("220200",),
            ),
            _offer(
                "discount",
                "有机蔬菜九折券",
                "10% off organic vegetables",
                "结账时出示，有机蔬菜类商品享九折，单次最多优惠50元。",
                "Show it at the checkout: 10% off organic vegetables, up to 50 yuan per visit.",
                500,
                100,
                per_person_limit=2,
                cities=("220200",),
            ),
        ),
    ),
    DemoMerchant(
        "长春绿道骑行服务中心（演示）",
        "Changchun Greenway Cycling Centre (demo)",
        "91220100MA0000002",
        "shared_mobility",
        ("220100", "220200"),
        ("13900002001", "钱站长", "220100"),
        (
            _offer(
                "free_item",
                "共享单车7天骑行卡",
                "7-day shared bike pass",
                "兑换后7天内不限次骑行，每次30分钟内免费。",
                "Unlimited rides for 7 days after redemption; each ride free for 30 minutes.",
                800,
                500,
                per_person_limit=1,
            ),
            _offer(
                "event_quota",
                "净月潭绿色骑行节专属名额",
                "Jingyuetan Green Cycling Festival entry",
                "活动当天凭券签到入场，含头盔租用。",
                "Check in with the voucher on the day; helmet hire included.",
                1500,
                50,
                per_person_limit=1,
                cities=("220100",),
            ),
        ),
    ),
)


def offer_picture(seed: str) -> bytes:
    """A simple PNG drawn from ``seed``: the same seed draws the same bytes."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1200, 800), (rng.randint(20, 60), rng.randint(110, 160), 90))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, r = rng.randint(0, 1200), rng.randint(0, 800), rng.randint(60, 220)
        shade = (rng.randint(140, 220), rng.randint(190, 240), rng.randint(120, 180))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    draw.rectangle((0, 680, 1200, 800), fill=(250, 250, 240))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _merchant(demo: DemoMerchant, official: User) -> tuple[Merchant, User]:
    """The approved merchant of that name, applied for and approved if it is not yet."""
    staff = ensure_user(*demo.staff)
    org_id = session().scalar(select(Organisation.id).where(Organisation.name_zh == demo.name_zh))
    merchant = session().scalar(select(Merchant).where(Merchant.organisation_id == org_id))
    if merchant is not None:
        return merchant, staff
    code = demo.code_base + uscc.check_character(demo.code_base)
    application = session().scalar(
        select(MerchantApplication).where(MerchantApplication.unified_credit_code == code)
    ) or apply_for_merchant(
        actor=staff,
        item=ApplicationInput(
            demo.name_zh,
            demo.name_en,
            code,
            demo.category,
            demo.staff[1],
            "13900009999",
            demo.city_codes,
        ),
    )
    decide_application(
        actor=official, application_id=application.id, approve=True, reason="材料齐全（演示）。"
    )
    found = session().scalar(
        select(Merchant).where(Merchant.organisation_id == application.organisation_id)
    )
    assert found is not None
    return found, staff


def _offers(merchant: Merchant, staff: User, demo: DemoMerchant, upload_dir: Path) -> None:
    titles = set(
        session().scalars(
            select(OfferRevision.title_zh)
            .join(Offer, Offer.id == OfferRevision.offer_id)
            .where(Offer.merchant_id == merchant.id)
        )
    )
    start = local_midnight(local_today() - timedelta(days=7))
    for kind, terms in demo.offers:
        if terms["title_zh"] in titles:
            continue
        offer = create_offer(
            actor=staff,
            merchant_id=merchant.id,
            kind=kind,
            terms=OfferTerms(**terms, valid_from=start, valid_until=start + timedelta(days=120)),
            image=offer_picture(terms["title_en"]),
            upload_dir=upload_dir,
        )
        move_offer(actor=staff, offer_id=offer.id, move="publish")


def seed_merchants(*, upload_dir: Path) -> None:
    """The demo merchants, approved by the demo ecology official, with their offers published."""
    identifier = parse_identifier(_OFFICIAL.login)
    official = get_user_by_identifier(identifier) if identifier else None
    assert official is not None, "seed the accounts first"
    for demo in DEMO_MERCHANTS:
        merchant, staff = _merchant(demo, official)
        _offers(merchant, staff, demo, upload_dir)
