"""Vouchers: what a citizen bought with points, under which offer revision, at what price.

A voucher copies the revision id, its ``points_cost`` and its end of validity when it is
issued, so nothing a merchant edits later changes a voucher already bought. ``code`` is the
unguessable code printed and put in the QR code; ``request_key`` is the one-time token of the
redeem form, unique, so a replayed request issues one voucher. Status moves only forward, by
conditional UPDATEs: unused → used (checked), unused → cancelled (refunded), unused → expired.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK

CODE_LENGTH = 16  # base32 of 10 random bytes: 80 bits
REQUEST_KEY_MAX = 64


class VoucherStatus(enum.StrEnum):
    UNUSED = "unused"
    USED = "used"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Voucher(Base):
    __tablename__ = "vouchers"
    __table_args__ = (
        CheckConstraint("points_cost > 0", name="points_cost_positive"),
        Index("ix_vouchers_user", "user_id", "id"),
        Index("ix_vouchers_offer_user", "offer_id", "user_id"),
        Index("ix_vouchers_merchant_issued", "merchant_id", "issued_at"),
        Index("ix_vouchers_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    request_key: Mapped[str] = mapped_column(String(REQUEST_KEY_MAX), unique=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("offer_revisions.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    points_cost: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=VoucherStatus.UNUSED.value)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # the revision's valid_until: unusable from then on
    used_at: Mapped[datetime | None]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    @property
    def display_code(self) -> str:
        """The code in groups of four, as printed for typing."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))
