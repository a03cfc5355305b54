"""Merchants: an image's bytes, an approved merchant with a staff member, an offer's terms and
an offer made through the service."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from portal.accounts.models import MemberRole, OrgKind, User
from portal.clock import utcnow
from portal.merchants.models import Merchant, MerchantApplication, Offer
from portal.merchants.offers import OfferTerms, create_offer
from tests.factories.accounts import make_membership, make_org, make_user
from tests.factories.base import next_number, save

VALID_USCC = ("91350100M000100Y43", "9144030071526726XG", "914403001922038216")


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (640, 480), **save_args: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 140, 90)).save(out, fmt, **save_args)
    return out.getvalue()


def make_merchant(*, staff: User | None = None, **org_fields: Any) -> tuple[Merchant, User]:
    """An approved merchant (organisation, application, merchant row) and a staff member."""
    staff = staff or make_user()
    org = make_org(kind=OrgKind.MERCHANT, **org_fields)
    make_membership(staff, org, MemberRole.MANAGER)
    application = save(
        MerchantApplication(
            applicant_id=staff.id,
            name_zh=org.name_zh,
            name_en=org.name_en,
            unified_credit_code=f"X{next_number():017d}",
            category="catering",
            contact_name="联系人",
            contact_phone="13900000000",
            city_codes=["220100"],
            status="approved",
            organisation_id=org.id,
        )
    )
    merchant = save(
        Merchant(
            organisation_id=org.id,
            application_id=application.id,
            category="catering",
            city_codes=["220100"],
        )
    )
    return merchant, staff


def offer_terms(**fields: Any) -> OfferTerms:
    now = utcnow()
    terms = OfferTerms(
        title_zh="绿色早餐券",
        title_en="Green breakfast coupon",
        terms_zh="到店出示即可使用。",
        terms_en="Show it at the counter.",
        points_cost=500,
        inventory=10,
        per_person_limit=2,
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
        city_codes=(),
    )
    return replace(terms, **fields)


def make_offer(merchant: Merchant, staff: User, upload_dir: Path, **fields: Any) -> Offer:
    return create_offer(
        actor=staff,
        merchant_id=merchant.id,
        kind="coupon",
        terms=offer_terms(**fields),
        image=image_bytes(),
        upload_dir=upload_dir,
    )
