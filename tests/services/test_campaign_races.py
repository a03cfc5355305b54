"""Campaign bonuses under real concurrency on PostgreSQL: runs of the ``campaign_bonuses`` job
at once, each in its own connection and committing batch by batch, never take the budget below
zero, pay it out exactly when demand exceeds it, and pay each record once."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

from flask import Flask
from sqlalchemy import func, insert, select

from portal.activities.models import Reduction
from portal.extensions import db
from portal.gamification.campaigns.bonuses import pay_campaign_bonuses
from portal.gamification.campaigns.models import CampaignBonus
from portal.ledger.models import AccountKind, LedgerAccount, LedgerEntry
from portal.methodology.services import seed_filed_methodologies
from tests import factories
from tests.conftest import needs_postgresql

pytestmark = needs_postgresql("SQLite lets one writer in at a time")
START = factories.CAMPAIGN_START
NOW = START + timedelta(days=1, hours=1)
PEOPLE, RIDES, POINTS = 40, 3, 20  # each ride earns a bonus of 20 at ×2: 2,400 wanted
BUDGET = 1_000
RUNS = 6


def _campaign_with_demand(app: Flask) -> int:
    with app.app_context():
        seed_filed_methodologies()
        campaign = factories.make_campaign(starts_at=START, cap_points=1_000)
        db.session.commit()
        factories.fund(campaign, BUDGET)
        ids = [factories.make_user().id for _ in range(PEOPLE)]
        db.session.execute(
            insert(Reduction),
            [
                factories.reduction_row(
                    u, factories.CYCLING, START + timedelta(hours=h), 4000, POINTS
                )
                for u in ids
                for h in range(RIDES)
            ],
        )
        db.session.commit()
        campaign_id = campaign.id
        db.session.remove()
        return campaign_id


def test_parallel_runs_pay_out_the_budget_exactly_and_each_record_once(
    pg_app_per_test: Flask,
) -> None:
    app = pg_app_per_test
    campaign_id = _campaign_with_demand(app)
    start = Barrier(RUNS, timeout=30)

    def run(_: int) -> int:
        with app.app_context():
            try:
                start.wait()
                return pay_campaign_bonuses(now=NOW, batch_size=4).points
            finally:
                db.session.remove()

    with ThreadPoolExecutor(RUNS) as pool:
        paid = list(pool.map(run, range(RUNS)))
    assert sum(paid) == BUDGET
    assert sum(1 for points in paid if points) >= 1
    with app.app_context():
        rows = db.session.execute(
            select(CampaignBonus.reduction_id, CampaignBonus.bonus_points).where(
                CampaignBonus.campaign_id == campaign_id
            )
        ).all()
        assert len(rows) == PEOPLE * RIDES  # every record counted…
        assert max(Counter(r for r, _ in rows).values()) == 1  # …once
        assert sum(points for _, points in rows) == BUDGET
        account = db.session.scalar(
            select(LedgerAccount).where(
                LedgerAccount.kind == AccountKind.CAMPAIGN.value,
                LedgerAccount.owner_id == campaign_id,
            )
        )
        assert account is not None and account.balance == 0
        entries = db.session.scalar(
            select(func.sum(LedgerEntry.points)).where(LedgerEntry.account_id == account.id)
        )
        assert entries == 0  # funded 1,000, paid 1,000: the balance is what the entries make it
        db.session.remove()
