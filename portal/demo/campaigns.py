"""Demo campaigns: a past one (last week's Energy Conservation Publicity Week style, ended two
days ago, its late data still counting) and a current local one, both funded, with the bonuses
the demo citizens' rides and trips earned paid by the ``campaign_bonuses`` job.

The demo's records are quantified during the seed, so the past campaign's grace window reaches
past today. Its history is created with ``now`` set before its start (the service refuses a
new campaign that has already started). Idempotent: a campaign is found by its English title;
its budget is funded once, with a fixed form token; the job pays each record once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.clock import SHANGHAI, local_today
from portal.db import session
from portal.demo.accounts import DEMO_LOGINS, ensure_user
from portal.gamification.campaigns.bonuses import BonusRun, pay_campaign_bonuses
from portal.gamification.campaigns.models import Campaign
from portal.gamification.campaigns.services import CampaignFields, fund_campaign, save_campaign

# (title zh, title en, description zh, description en, first day from today, days, grace hours,
#  cap, budget, multipliers)
_CAMPAIGNS = (
    (
        "节能宣传周·绿色出行（演示）",
        "Energy Week green travel (demo)",
        "节能宣传周期间，乘坐公交、地铁和骑行的积分提高一半。",
        "During the energy conservation week, bus, metro and cycling trips earn half as many "
        "points again.",
        -9,
        7,
        72,
        300,
        2_000,
        {"bus": 150, "metro": 150, "cycling": 150, "shared_bike_ebike": 150},
    ),
    (
        "江城冬季低碳月（演示）",
        "Jiangcheng winter low-carbon month (demo)",
        "冬季节电和绿色出行，积分翻倍，每人最多多得五百积分。",
        "Saving power and travelling green this winter earns double points, up to 500 extra "
        "points each.",
        -1,
        30,
        48,
        500,
        20_000,
        {"household_energy_saving": 200, "metro": 200, "bus": 200, "shared_bike_ebike": 200},
    ),
)


def _local(day_offset: int) -> datetime:
    return datetime.combine(local_today() + timedelta(days=day_offset), time.min)


def seed_campaigns() -> BonusRun:
    """Create and fund the demo campaigns if missing, then pay the bonuses due."""
    admin = ensure_user(DEMO_LOGINS[-1].login, DEMO_LOGINS[-1].display_name, "220100")
    for zh, en, about_zh, about_en, first, days, grace, cap, budget, percents in _CAMPAIGNS:
        if session().scalar(select(Campaign.id).where(Campaign.title_en == en)) is not None:
            continue
        starts = _local(first)
        campaign = save_campaign(
            actor=admin,
            fields=CampaignFields(
                theme="energy_week" if first < -1 else "local",
                title_zh=zh,
                title_en=en,
                description_zh=about_zh,
                description_en=about_en,
                starts_local=starts,
                ends_local=starts + timedelta(days=days),
                grace_hours=grace,
                cap_points=cap,
                percents=percents,
            ),
            now=starts.replace(tzinfo=SHANGHAI) - timedelta(minutes=1),
        )
        token = hashlib.sha256(f"demo-campaign:{en}".encode()).hexdigest()[:32]
        fund_campaign(actor=admin, campaign_id=campaign.id, points=budget, form_token=token)
    return pay_campaign_bonuses()
