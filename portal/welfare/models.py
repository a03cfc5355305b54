"""Public-welfare tables: projects, their progress updates and the donations made to them.

A donation row is written in the same transaction as its ledger posting (citizen → project
account) and its certificate, so a project's progress (the sum of its donations) always equals
the points its ledger account received.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Project(Base):
    """A public-welfare project: bilingual title and summary, its beneficiary (an organisation
    on the platform or a name in both languages), a goal in whole points and its dates
    (``starts_on`` to ``ends_on`` inclusive, local dates)."""

    __tablename__ = "welfare_projects"
    __table_args__ = (
        CheckConstraint("goal_points > 0", name="goal_positive"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        Index("ix_welfare_projects_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str] = mapped_column(String(120))
    summary_zh: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)
    beneficiary_zh: Mapped[str] = mapped_column(String(120))
    beneficiary_en: Mapped[str] = mapped_column(String(160))
    beneficiary_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    goal_points: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default=ProjectStatus.DRAFT.value)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectUpdate(Base):
    """A progress update the operator posts on a project, in both languages."""

    __tablename__ = "welfare_project_updates"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("welfare_projects.id"), index=True)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    posted_on: Mapped[date]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Donation(Base):
    """Points a citizen gave to a project: the ledger transaction that moved them, the
    certificate issued for it and the idempotency key (``donate:<form token>``) that makes a
    replayed request donate once."""

    __tablename__ = "welfare_donations"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_welfare_donations_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("welfare_projects.id"))
    points: Mapped[int] = mapped_column(Integer)
    ledger_transaction_id: Mapped[int] = mapped_column(BigIntPK)
    certificate_code: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
