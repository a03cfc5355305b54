"""Campaigns: the operator's fields for the service, a campaign written straight to the table
(any window, past ones too), a funded budget and counted records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.accounts.models import User
from portal.clock import SHANGHAI
from portal.db import session
from portal.gamification.campaigns.models import Campaign, CampaignMultiplier
from portal.gamification.campaigns.services import CampaignFields, fund_campaign
from tests.factories.accounts import make_user
from tests.factories.welfare import form_token

# A Saturday noon in Shanghai, well in the future of the suite's fixed dates.
CAMPAIGN_START = datetime(2027, 4, 22, 0, 0, tzinfo=SHANGHAI)


def campaign_fields(**overrides: Any) -> CampaignFields:
    """Valid fields for ``save_campaign``: Earth Day 2027, cycling ×2, cap 100 points."""
    values: dict[str, Any] = {
        "theme": "earth_day",
        "title_zh": "世界地球日骑行加倍",
        "title_en": "Earth Day double cycling",
        "description_zh": "地球日当天骑行积分翻倍。",
        "description_en": "Cycling earns double points on Earth Day.",
        "starts_local": CAMPAIGN_START.replace(tzinfo=None),
        "ends_local": (CAMPAIGN_START + timedelta(days=1)).replace(tzinfo=None),
        "grace_hours": 48,
        "cap_points": 100,
        "percents": {"cycling": 200},
    }
    values.update(overrides)
    return CampaignFields(**values)


def make_campaign(
    *,
    starts_at: datetime,
    days: int = 1,
    grace_hours: int = 24,
    cap_points: int = 100,
    percents: dict[str, int] | None = None,
    **fields: Any,
) -> Campaign:
    """A campaign written to the table as it is (the service refuses a start in the past)."""
    ends_at = starts_at + timedelta(days=days)
    values: dict[str, Any] = {
        "theme": "local",
        "title_zh": "测试活动",
        "title_en": "Test campaign",
        "description_zh": "测试。",
        "description_en": "A test.",
    }
    values.update(fields)
    campaign = Campaign(
        starts_at=starts_at.astimezone(UTC),
        ends_at=ends_at.astimezone(UTC),
        grace_hours=grace_hours,
        counts_until=(ends_at + timedelta(hours=grace_hours)).astimezone(UTC),
        cap_points=cap_points,
        multipliers=[
            CampaignMultiplier(scenario_code=code, percent=percent)
            for code, percent in (percents or {"cycling": 200}).items()
        ],
        **values,
    )
    session().add(campaign)
    session().flush()
    return campaign


def fund(campaign: Campaign, points: int, admin: User | None = None) -> None:
    """Fund ``campaign``'s budget through the service, as an operator."""
    operator = admin or make_user(is_admin=True)
    fund_campaign(actor=operator, campaign_id=campaign.id, points=points, form_token=form_token())
