"""The certificate table: one row per certificate a person holds, whatever its kind."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class CertificateKind(enum.StrEnum):
    MILESTONE = "milestone"
    DONATION = "donation"
    TEAM_CHALLENGE = "team_challenge"
    RETIREMENT = "retirement"  # tonnes an organisation retired (注销), issued to who retired them
    EVENT_NEUTRALITY = "event_neutrality"


class Certificate(Base):
    """A certificate of an achievement, in Chinese and English, found by its unguessable code.

    ``subject_alias`` is the alias the holder showed publicly when it was issued: the only
    thing about the person that a certificate page or credential shows (never a phone, an email
    or a real name); a certificate of what an organisation did names the organisation instead
    (``holder_name``). ``idempotency_key`` makes issuing the same achievement twice return the
    first certificate. A revoked certificate keeps its row with ``revoked_at``, the reason code
    and who revoked it.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_alias: Mapped[str] = mapped_column(String(40))
    # What was achieved, as a stable key (e.g. "milestone-10kg"): the credential's achievement.
    achievement_key: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(160))
    description_zh: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def holder_name(self, lang: str) -> str:
        """Whom the certificate names as its holder, in ``lang`` ("zh" or "en"): the
        organisation, for what an organisation did (a retirement, a carbon-neutral event,
        whose ``details`` keep its names), else the holder's public alias."""
        return str((self.details or {}).get(f"organisation_{lang}") or self.subject_alias)
