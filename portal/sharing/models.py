"""The share-link table: one row per time a holder made something they earned public."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class ShareKind:
    BADGE = "badge"
    CERTIFICATE = "certificate"
    TEAM_RESULT = "team_result"


class ShareLink(Base):
    """A public share of one badge award, one certificate or one team's result in a finished
    challenge (its ``challenge_entry_id``) by ``user_id``, found by ``code`` (128 random bits,
    URL-safe): exactly one of ``badge_award_id``, ``certificate_id`` and
    ``challenge_entry_id`` is set, as ``kind`` says. Live while ``withdrawn_at`` is NULL; at
    most one live share per award, per certificate and per team result and member (partial
    unique indexes), so sharing twice gives the same link. A withdrawn link stays withdrawn:
    sharing again makes a new code."""

    __tablename__ = "share_links"
    __table_args__ = (
        Index(
            "ux_share_links_live_badge",
            "badge_award_id",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
            sqlite_where=text("withdrawn_at IS NULL"),
        ),
        Index(
            "ux_share_links_live_certificate",
            "certificate_id",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
            sqlite_where=text("withdrawn_at IS NULL"),
        ),
        Index(
            "ux_share_links_live_team_result",
            "challenge_entry_id",
            "user_id",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
            sqlite_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    badge_award_id: Mapped[int | None] = mapped_column(
        ForeignKey("badge_awards.id", ondelete="CASCADE")
    )
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    challenge_entry_id: Mapped[int | None] = mapped_column(ForeignKey("team_challenge_entries.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
