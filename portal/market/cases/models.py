"""The 以碳代偿 case table. A case is recorded by an organisation of kind court or
procuratorate (``org_id``, whose members are the case's officials) and names the tonnes a
judgment orders retired by ``deadline_on``. Retirements with purpose ``compensation`` and this
``case_id`` count towards it; the case is fulfilled only when they sum to at least
``required_tonnes`` (invariant 8). The defendant's real name is kept for the officials only;
public pages show ``public_defendant_zh``/``_en``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class CaseState(enum.StrEnum):
    OPEN = "open"  # recorded, not yet covered, deadline not passed
    OVERDUE = "overdue"  # the deadline passed uncovered; can still be fulfilled (late)
    FULFILLED = "fulfilled"  # final: Σ linked retirements ≥ required tonnes


class CaseType(enum.StrEnum):
    CIVIL_PIL = "civil_pil"  # 环境民事公益诉讼
    CRIMINAL_CIVIL_PIL = "criminal_civil_pil"  # 刑事附带民事公益诉讼
    ADMINISTRATIVE_PIL = "administrative_pil"  # 行政公益诉讼
    CIVIL = "civil"  # 民事（生态环境损害赔偿）
    CRIMINAL = "criminal"  # 刑事（认罪认罚从宽）


class ConversionMethod(enum.StrEnum):
    VALUE_PRICE = "value_price"  # damage ÷ a reference price per tonne, rounded up
    APPRAISAL_TONNES = "appraisal_tonnes"  # the tonnes the appraisal report states


class Case(Base):
    """One judgment's carbon-compensation order. Amounts: ``damage_fen`` in fen,
    ``price_fen_per_tonne`` in fen (value_price only), tonnes whole. ``is_late`` is set when
    the case is fulfilled after its deadline."""

    __tablename__ = "registry_cases"
    __table_args__ = (
        CheckConstraint("damage_fen >= 0", name="damage_not_negative"),
        CheckConstraint("required_tonnes > 0", name="tonnes_positive"),
        Index("ix_registry_cases_org", "org_id", "id"),
        Index("ix_registry_cases_state_deadline", "state", "deadline_on"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(60), unique=True)  # canonical 案号
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    court_zh: Mapped[str] = mapped_column(String(120))
    court_en: Mapped[str] = mapped_column(String(160))
    procuratorate_zh: Mapped[str] = mapped_column(String(120), default="")
    procuratorate_en: Mapped[str] = mapped_column(String(160), default="")
    case_type: Mapped[str] = mapped_column(String(24))
    defendant_name: Mapped[str] = mapped_column(String(120))  # never on a public page
    is_defendant_org: Mapped[bool] = mapped_column(Boolean, default=False)
    defendant_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    public_defendant_zh: Mapped[str] = mapped_column(String(120))
    public_defendant_en: Mapped[str] = mapped_column(String(160))
    damage_facts_zh: Mapped[str] = mapped_column(Text)
    damage_facts_en: Mapped[str] = mapped_column(Text)
    appraiser_zh: Mapped[str] = mapped_column(String(120))
    appraiser_en: Mapped[str] = mapped_column(String(160))
    appraisal_report_no: Mapped[str] = mapped_column(String(80))
    damage_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(20))
    price_fen_per_tonne: Mapped[int | None] = mapped_column(BigInteger)
    required_tonnes: Mapped[int] = mapped_column(BigInteger)
    deadline_on: Mapped[date]
    judgment_url: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(10), default=CaseState.OPEN.value)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    overdue_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]
