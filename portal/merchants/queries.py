"""Reads for merchants: whose staff a user is, offers with their current revision and history,
applications (the officials' queue and an applicant's own), offer images that may be shown."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import exists, select

from portal.accounts.models import Membership, Organisation
from portal.db import session
from portal.merchants.models import (
    ApplicationStatus,
    Merchant,
    MerchantApplication,
    Offer,
    OfferImage,
    OfferRevision,
    OfferStatus,
)
from portal.pagination import paginate, paginate_rows

_STAFF = Membership.organisation_id == Merchant.organisation_id


def get_staff_merchant(user_id: int, merchant_id: int) -> Merchant | None:
    """The merchant, if ``user_id`` is a member (any standing) of its organisation."""
    return session().scalar(
        select(Merchant)
        .join(Membership, _STAFF)
        .where(Merchant.id == merchant_id, Membership.user_id == user_id)
    )


def list_staff_merchants(user_id: int) -> list[tuple[Merchant, Organisation]]:
    """The merchants ``user_id`` is staff of, with their organisations, by Chinese name."""
    rows = session().execute(
        select(Merchant, Organisation)
        .join(Organisation, Organisation.id == Merchant.organisation_id)
        .join(Membership, _STAFF)
        .where(Membership.user_id == user_id)
        .order_by(Organisation.name_zh)
    )
    return [(merchant, org) for merchant, org in rows]


def list_offers(merchant_id: int, page: int = 1) -> Pagination:
    """The merchant's offers, newest first; items are ``(offer, current revision)``."""
    return paginate_rows(
        select(Offer, OfferRevision)
        .join(OfferRevision, OfferRevision.id == Offer.current_revision_id)
        .where(Offer.merchant_id == merchant_id)
        .order_by(Offer.id.desc()),
        page,
    )


def get_staff_offer(user_id: int, offer_id: int) -> tuple[Offer, OfferRevision] | None:
    """The offer and its current revision, if ``user_id`` is staff of its merchant."""
    row = (
        session()
        .execute(
            select(Offer, OfferRevision)
            .join(OfferRevision, OfferRevision.id == Offer.current_revision_id)
            .join(Merchant, Merchant.id == Offer.merchant_id)
            .join(Membership, _STAFF)
            .where(Offer.id == offer_id, Membership.user_id == user_id)
        )
        .first()
    )
    return None if row is None else (row[0], row[1])


def list_revisions(offer_id: int) -> list[OfferRevision]:
    """Every revision of the offer, newest first (the edit history)."""
    return list(
        session().scalars(
            select(OfferRevision)
            .where(OfferRevision.offer_id == offer_id)
            .order_by(OfferRevision.number.desc())
        )
    )


def list_applications(status: str, page: int = 1) -> Pagination:
    """Applications of one status (the queue: pending, oldest first; decided: newest first)."""
    stmt = select(MerchantApplication).where(MerchantApplication.status == status)
    if status == ApplicationStatus.PENDING.value:
        stmt = stmt.order_by(MerchantApplication.id)
    else:
        stmt = stmt.order_by(MerchantApplication.id.desc())
    return paginate(stmt, page)


def get_application(application_id: int) -> MerchantApplication | None:
    return session().get(MerchantApplication, application_id)


def list_own_applications(user_id: int, page: int = 1) -> Pagination:
    """The applications ``user_id`` filed, newest first, with each decision and its reason."""
    return paginate(
        select(MerchantApplication)
        .where(MerchantApplication.applicant_id == user_id)
        .order_by(MerchantApplication.id.desc()),
        page,
    )


def get_visible_image(image_id: int, user_id: int | None) -> OfferImage | None:
    """The image, if an offer currently shows it published, or ``user_id`` is staff of the
    merchant that uploaded it (drafts and paused offers are not public)."""
    db = session()
    image = db.get(OfferImage, image_id)
    if image is None:
        return None
    published = db.scalar(
        select(
            exists().where(
                Offer.current_revision_id == OfferRevision.id,
                OfferRevision.image_id == image.id,
                Offer.status == OfferStatus.PUBLISHED.value,
            )
        )
    )
    if published or (user_id is not None and get_staff_merchant(user_id, image.merchant_id)):
        return image
    return None
