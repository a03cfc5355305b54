"""Event tables: an organiser's event, each footprint calculated for it (versioned, with its
inputs and the factors it used) and the mall offers it links.

An event is 碳中和 only while the tonnes retired for it (registry retirements with purpose
``event`` and its id) reach the tonnes of its latest footprint; ``neutral_at`` and
``certificate_id`` record the moment that first held and the certificate issued for it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class EventKind(enum.StrEnum):
    """The guideline's five kinds of large event."""

    PERFORMANCE = "performance"  # 演出
    SPORTS = "sports"  # 赛事
    CONFERENCE = "conference"  # 会议
    FORUM = "forum"  # 论坛
    EXHIBITION = "exhibition"  # 展览


MAX_ATTENDEES = 1_000_000


class Event(Base):
    """An event an organisation of kind ``event_organiser`` records: bilingual title and venue,
    its local dates (``starts_on`` to ``ends_on`` inclusive), city and expected attendees."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint(f"attendees > 0 AND attendees <= {MAX_ATTENDEES}", name="attendees_range"),
        Index("ix_events_organisation", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(12))
    title_zh: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    venue_zh: Mapped[str] = mapped_column(String(80))
    venue_en: Mapped[str] = mapped_column(String(120))
    city_code: Mapped[str] = mapped_column(String(6))
    attendees: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    neutral_at: Mapped[datetime | None]
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    @property
    def is_marked_neutral(self) -> bool:
        return self.neutral_at is not None


class EventFootprint(Base):
    """One calculation of an event's footprint, never changed: ``version`` 1, 2, … per event.
    ``inputs`` are the quantities entered (decimal text by input key), ``factors`` the factor
    snapshot used, ``lines`` the grams of each input and ``total_grams``/``tonnes`` the result
    (tonnes = ceil(total_grams / 10⁶))."""

    __tablename__ = "event_footprints"
    __table_args__ = (
        UniqueConstraint("event_id", "version"),
        CheckConstraint("total_grams >= 0", name="grams_not_negative"),
        CheckConstraint("tonnes >= 0", name="tonnes_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    attendees: Mapped[int] = mapped_column(Integer)  # the event's size the bounds were checked at
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    factors: Mapped[dict[str, Any]] = mapped_column(JSON)
    lines: Mapped[dict[str, Any]] = mapped_column(JSON)
    total_grams: Mapped[int] = mapped_column(BigInteger)
    tonnes: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventOffer(Base):
    """A published mall offer an event links (a ticket discount, an exclusive quota)."""

    __tablename__ = "event_offers"
    __table_args__ = (UniqueConstraint("event_id", "offer_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
