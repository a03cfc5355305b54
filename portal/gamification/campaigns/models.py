"""Campaign tables: the campaign, its multiplier per scenario, and one bonus row per counted
record (the ``campaign_bonuses`` job writes them; their unique key makes a replay pay once).

A campaign's budget is not a column: it is the balance of its ledger account (kind
``campaign``, owner the campaign's id), which the ledger keeps from ever going negative.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base, BigIntPK
from portal.gamification.campaigns.rules import Window


class Campaign(Base):
    """A campaign: ``theme`` is a themed-day key of ``data/themed_days.yaml`` or ``local``;
    ``starts_at``/``ends_at`` a half-open UTC window; records done inside it and quantified by
    ``counts_until`` (the end plus ``grace_hours``, kept as a column so the job compares plain
    timestamps on both databases) earn bonuses, at most ``cap_points`` per person."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window_in_order"),
        CheckConstraint("cap_points > 0", name="cap_positive"),
        CheckConstraint("grace_hours >= 0", name="grace_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    theme: Mapped[str] = mapped_column(String(32))
    title_zh: Mapped[str] = mapped_column(String(80))
    title_en: Mapped[str] = mapped_column(String(120))
    description_zh: Mapped[str] = mapped_column(String(2000))
    description_en: Mapped[str] = mapped_column(String(4000))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    grace_hours: Mapped[int]
    counts_until: Mapped[datetime] = mapped_column(index=True)
    cap_points: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    multipliers: Mapped[list[CampaignMultiplier]] = relationship(
        order_by="CampaignMultiplier.scenario_code", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def window(self) -> Window:
        return Window(self.starts_at, self.ends_at, self.grace_hours)

    @property
    def percents(self) -> dict[str, int]:
        return {m.scenario_code: m.percent for m in self.multipliers}


class CampaignMultiplier(Base):
    __tablename__ = "campaign_multipliers"
    __table_args__ = (CheckConstraint("percent > 100 AND percent <= 500", name="percent_range"),)

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    scenario_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    percent: Mapped[int]


class CampaignBonus(Base):
    """One counted record of a campaign: its base points, the bonus paid (0 once the person's
    cap or the budget is used up: the row still records that they took part) and why
    (``outcome``, a ``rules.Outcome`` code). Unique per (campaign, reduction). When the
    reduction is later reversed (partner data replaced the citizen's report of the same act),
    the bonus goes back to the budget by a posting and ``clawed_back_at`` is set: the row
    stays, and its points no longer count against the cap or as paid."""

    __tablename__ = "campaign_bonuses"
    __table_args__ = (
        UniqueConstraint("campaign_id", "reduction_id"),
        Index("ix_campaign_bonuses_campaign_user", "campaign_id", "user_id"),
        Index("ix_campaign_bonuses_user", "user_id", "campaign_id"),
        CheckConstraint("bonus_points >= 0", name="bonus_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    reduction_id: Mapped[int] = mapped_column(BigIntPK)
    user_id: Mapped[int] = mapped_column(BigIntPK)
    base_points: Mapped[int] = mapped_column(BigInteger)
    bonus_points: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(8))
    ledger_transaction_id: Mapped[int | None] = mapped_column(BigIntPK)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    clawed_back_at: Mapped[datetime | None]
