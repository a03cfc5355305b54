"""Merchant tables: applications, approved merchants, offers and their revisions, offer images.

An offer's terms live in immutable revision rows: an edit inserts a new revision and moves the
offer's ``current_revision_id``; nothing a revision says ever changes. A voucher (issued by the
mall) names the revision it was bought under and copies its ``points_cost``, so the price of a
voucher already issued cannot change by construction. Inventory is a column of the offer itself,
kept ``>= 0`` by a CHECK, so the mall can take a unit with a conditional UPDATE.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class MerchantCategory(enum.StrEnum):
    CATERING = "catering"
    HOTEL = "hotel"
    PROPERTY = "property"
    ENERGY_SUPPLY = "energy_supply"
    URBAN_TRANSPORT = "urban_transport"
    SHARED_MOBILITY = "shared_mobility"
    CAR_SALES_SERVICE = "car_sales_service"
    MALL = "mall"
    ONLINE_SHOP = "online_shop"
    SCENIC_SPOT = "scenic_spot"
    PERFORMANCE = "performance"
    SPORTS_EVENT = "sports_event"
    VIDEO_PLATFORM = "video_platform"
    MAP_APP = "map_app"
    SOCIAL_NETWORK = "social_network"


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class OfferKind(enum.StrEnum):
    COUPON = "coupon"
    DISCOUNT = "discount"
    FREE_ITEM = "free_item"
    TICKET_DISCOUNT = "ticket_discount"
    EVENT_QUOTA = "event_quota"  # an exclusive quota or entrance for an event


class OfferStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    PAUSED = "paused"


class MerchantApplication(Base):
    """An organisation's request to join as a merchant, made by a logged-in user on its behalf,
    and the official's decision (``decision_note``: the official's own words)."""

    __tablename__ = "merchant_applications"
    __table_args__ = (Index("ix_merchant_applications_status", "status", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    unified_credit_code: Mapped[str] = mapped_column(String(18), index=True)
    category: Mapped[str] = mapped_column(String(30))
    contact_name: Mapped[str] = mapped_column(String(40))
    contact_phone: Mapped[str] = mapped_column(String(20))
    city_codes: Mapped[list[str]] = mapped_column(JSON)  # the regions served, never empty
    status: Mapped[str] = mapped_column(String(10), default=ApplicationStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))


class Merchant(Base):
    """An approved merchant: the organisation's category and regions, from its application."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("merchant_applications.id"), unique=True)
    category: Mapped[str] = mapped_column(String(30))
    city_codes: Mapped[list[str]] = mapped_column(JSON)
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfferImage(Base):
    """An uploaded offer image, kept only as re-encoded WebP thumbnails (no metadata) under
    ``uploads/offers/<sha256[:2]>/<sha256>-<width>.webp``; ``sha256`` is of the upload."""

    __tablename__ = "offer_images"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)  # of the largest thumbnail
    height: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("inventory >= 0", name="inventory_not_negative"),
        Index("ix_offers_merchant", "merchant_id", "id"),
        Index("ix_offers_status", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=OfferStatus.DRAFT.value)
    inventory: Mapped[int] = mapped_column(Integer)  # units left to redeem
    # Set in the same transaction as the first revision (no FK: the two rows point at each
    # other); always a revision of this offer.
    current_revision_id: Mapped[int | None] = mapped_column(BigIntPK)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    revisions: Mapped[list[OfferRevision]] = relationship(
        back_populates="offer", order_by="OfferRevision.number.desc()"
    )


class OfferRevision(Base):
    """One version of an offer's terms, never changed once written. ``city_codes`` empty means
    every city of Jilin; the validity window is ``[valid_from, valid_until)``."""

    __tablename__ = "offer_revisions"
    __table_args__ = (
        UniqueConstraint("offer_id", "number"),
        CheckConstraint("points_cost > 0", name="points_cost_positive"),
        CheckConstraint("per_person_limit > 0", name="per_person_limit_positive"),
        CheckConstraint("inventory >= 0", name="inventory_not_negative"),
        CheckConstraint("valid_from < valid_until", name="window_ordered"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per offer
    title_zh: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str] = mapped_column(String(120))
    terms_zh: Mapped[str] = mapped_column(Text)
    terms_en: Mapped[str] = mapped_column(Text)
    points_cost: Mapped[int] = mapped_column(Integer)
    inventory: Mapped[int] = mapped_column(Integer)  # the stock set by this edit
    per_person_limit: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    city_codes: Mapped[list[str]] = mapped_column(JSON)
    image_id: Mapped[int] = mapped_column(ForeignKey("offer_images.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    offer: Mapped[Offer] = relationship(back_populates="revisions")
