"""Methodology registry tables: methodologies, their versions and their governance history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class MethodologyStatus(enum.StrEnum):
    """``draft → submitted → under_review → filed (备案) → suspended → retired``.

    ``changes_requested`` sends a submission back to its developer, who edits and resubmits.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    CHANGES_REQUESTED = "changes_requested"
    FILED = "filed"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class Methodology(Base):
    __tablename__ = "methodologies"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    scenario_code: Mapped[str] = mapped_column(String(64), index=True)
    title_zh: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(
        String(20), default=MethodologyStatus.DRAFT.value, index=True
    )
    developer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[MethodologyVersion]] = relationship(
        back_populates="methodology", order_by="MethodologyVersion.version_no"
    )


class MethodologyVersion(Base):
    """One version: immutable once filed. ``definition`` holds formula, parameters, factors
    (value as a decimal string, unit, sources, vintage, confidence), caps, plausibility bounds,
    evidence tiers and whether citizens may self-report (see ``portal.methodology.versions``)."""

    __tablename__ = "methodology_versions"
    __table_args__ = (UniqueConstraint("methodology_id", "version_no"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    methodology_id: Mapped[int] = mapped_column(ForeignKey("methodologies.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime]
    effective_to: Mapped[datetime | None]
    activity_unit: Mapped[str] = mapped_column(String(20))
    is_saleable: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[str] = mapped_column(String(12))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    change_note: Mapped[str] = mapped_column(Text, default="")
    is_filed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    methodology: Mapped[Methodology] = relationship(back_populates="versions")


class MethodologyEvent(Base):
    """The governance history: every transition and review comment, in order."""

    __tablename__ = "methodology_events"
    __table_args__ = (Index("ix_methodology_events_methodology", "methodology_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    methodology_id: Mapped[int] = mapped_column(ForeignKey("methodologies.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("methodology_versions.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
