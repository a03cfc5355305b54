"""A user's notifications: a kind code plus parameters, read or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK
from portal.notifications.kinds import KIND_MAX_LENGTH

KEY_MAX_LENGTH = 120  # notifications.idempotency_key
LINK_MAX_LENGTH = 300  # notifications.link


class Notification(Base):
    """One notification to ``user_id``. ``link`` is a site-relative path to what it is about
    (None: the kind's own page); ``idempotency_key`` (``source:reference``) is unique, so a
    retried job posts once; ``read_at`` is None while unread."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count on every page reads only this (small) index.
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
        # The inbox, newest first, by keyset on id.
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(KIND_MAX_LENGTH))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(LINK_MAX_LENGTH), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(
        String(KEY_MAX_LENGTH), unique=True, nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)
