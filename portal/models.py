"""Imports every model module so the metadata is complete (migrations, tests)."""

from portal.accounts import models as accounts_models
from portal.activities import models as activities_models
from portal.certificates import models as certificates_models
from portal.gamification import models as gamification_models
from portal.gamification.campaigns import models as campaigns_models
from portal.gamification.leaderboards import models as leaderboards_models
from portal.gamification.volunteering import models as volunteering_models
from portal.ledger import models as ledger_models
from portal.mall import models as mall_models
from portal.market import models as market_models
from portal.market.cases import models as cases_models
from portal.market.events import models as events_models
from portal.merchants import models as merchants_models
from portal.methodology import models as methodology_models
from portal.notifications import models as notifications_models
from portal.scheduler.models import JobRun
from portal.sharing import models as sharing_models
from portal.stats import models as stats_models
from portal.teams import models as teams_models
from portal.teams.pk import models as pk_models
from portal.welfare import models as welfare_models

__all__ = [
    "JobRun",
    "accounts_models",
    "activities_models",
    "campaigns_models",
    "cases_models",
    "certificates_models",
    "events_models",
    "gamification_models",
    "leaderboards_models",
    "ledger_models",
    "mall_models",
    "market_models",
    "merchants_models",
    "methodology_models",
    "notifications_models",
    "pk_models",
    "sharing_models",
    "stats_models",
    "teams_models",
    "volunteering_models",
    "welfare_models",
]
