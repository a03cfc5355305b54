"""Badge tables: the awards people hold, and the queue of people whose activity changed since
the ``badges`` job last looked at them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class BadgeAward(Base):
    """One tier of one badge a person holds: ``badge_key`` names a badge of
    ``data/badges.yaml``, ``tier`` its level. Unique per (user, badge, tier), so an award is
    written once whoever races to write it; never deleted or revoked (a reversed reduction does
    not take a badge back). ``seen_at`` is when the holder was shown it in a toast (None: not
    yet)."""

    __tablename__ = "badge_awards"
    __table_args__ = (
        UniqueConstraint("user_id", "badge_key", "tier"),
        # Every page a citizen opens asks whether they have an unseen award: a small index.
        Index(
            "ix_badge_awards_unseen",
            "user_id",
            postgresql_where=text("seen_at IS NULL"),
            sqlite_where=text("seen_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    badge_key: Mapped[str] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(8))
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime | None]


class BadgeQueue(Base):
    """A person whose badge figures may have changed: written by triggers on ``reductions`` and
    ``welfare_donations`` inserts (migration 0016), whoever writes them, in the writer's own
    transaction; the ``badges`` job deletes the rows it takes in the transaction that awards.
    No foreign key, as in the tables whose triggers write it."""

    __tablename__ = "badge_queue"

    user_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
