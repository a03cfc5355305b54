"""Campaign reads for the public pages, the citizen's own figures and the operator's pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.db import session
from portal.gamification.campaigns.models import Campaign, CampaignBonus
from portal.gamification.campaigns.rules import Outcome, Phase
from portal.ledger.models import AccountKind, LedgerAccount
from portal.methodology.models import Methodology, MethodologyStatus


@dataclass(frozen=True)
class Scenario:
    code: str
    title_zh: str
    title_en: str


def list_scenarios() -> list[Scenario]:
    """The scenarios a multiplier may name: those of the filed methodologies, one each."""
    rows = session().execute(
        select(Methodology.scenario_code, Methodology.title_zh, Methodology.title_en)
        .where(Methodology.status == MethodologyStatus.FILED.value)
        .order_by(Methodology.code)
    )
    seen: dict[str, Scenario] = {}
    for code, title_zh, title_en in rows:
        seen.setdefault(code, Scenario(code, title_zh, title_en))
    return list(seen.values())


def get_campaign(campaign_id: int) -> Campaign | None:
    return session().get(Campaign, campaign_id)


def list_by_phase(now: datetime) -> dict[Phase, list[Campaign]]:
    """Every campaign by its phase at ``now``: upcoming by start, nearest first; the others by
    start, latest first."""
    grouped: dict[Phase, list[Campaign]] = {phase: [] for phase in Phase}
    for campaign in session().scalars(select(Campaign).order_by(Campaign.starts_at.desc())):
        grouped[campaign.window.phase(now)].append(campaign)
    grouped[Phase.UPCOMING].reverse()
    return grouped


@dataclass(frozen=True)
class Standing:
    """A campaign's figures: people with a counted record, points paid and left, and whether
    the budget ran out while records still came (bonuses stopped)."""

    participants: int
    paid_points: int
    budget_left: int

    @property
    def funded_points(self) -> int:
        return self.paid_points + self.budget_left

    @property
    def used_percent(self) -> int:
        funded = self.funded_points
        return self.paid_points * 100 // funded if funded else 0

    is_exhausted: bool = False


def get_standings(campaign_ids: Sequence[int]) -> dict[int, Standing]:
    if not campaign_ids:
        return {}
    b = CampaignBonus
    figures = {
        cid: (int(people), int(paid or 0), bool(stopped))
        for cid, people, paid, stopped in session().execute(
            select(
                b.campaign_id,
                func.count(func.distinct(b.user_id)),
                func.sum(b.bonus_points).filter(b.clawed_back_at.is_(None)),
                func.max(b.id).filter(b.outcome == Outcome.BUDGET.value),
            )
            .where(b.campaign_id.in_(campaign_ids))
            .group_by(b.campaign_id)
        )
    }
    budgets = {
        int(owner or 0): int(balance)
        for owner, balance in session().execute(
            select(LedgerAccount.owner_id, LedgerAccount.balance).where(
                LedgerAccount.kind == AccountKind.CAMPAIGN.value,
                LedgerAccount.owner_id.in_(campaign_ids),
            )
        )
    }
    standings = {}
    for cid in campaign_ids:
        people, paid, stopped = figures.get(cid, (0, 0, False))
        left = budgets.get(cid, 0)
        standings[cid] = Standing(people, paid, left, is_exhausted=stopped and left == 0)
    return standings


@dataclass(frozen=True)
class MyBonus:
    records: int
    points: int


def get_my_bonus(campaign_id: int, user_id: int) -> MyBonus:
    """The citizen's counted records in the campaign and the bonus points paid them."""
    records, points = (
        session()
        .execute(
            select(
                func.count(),
                func.coalesce(
                    func.sum(CampaignBonus.bonus_points).filter(
                        CampaignBonus.clawed_back_at.is_(None)
                    ),
                    0,
                ),
            ).where(CampaignBonus.campaign_id == campaign_id, CampaignBonus.user_id == user_id)
        )
        .one()
    )
    return MyBonus(int(records), int(points))
