"""``flask seed-demo``: idempotent demo data so every feature can be tried right after ``make run``.

One module per domain, each seeding its own data through that domain's services; ``seed_demo``
calls them in order, each later one using what the earlier ones made. A new domain adds its
module here and one call below.
"""

from __future__ import annotations

from pathlib import Path

from portal.demo.accounts import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin, seed_accounts
from portal.demo.activities import seed_activities
from portal.demo.campaigns import seed_campaigns
from portal.demo.cases import seed_cases
from portal.demo.certificates import seed_certificates
from portal.demo.challenges import seed_challenges
from portal.demo.events import seed_events
from portal.demo.gamification import seed_badges, seed_quizzes
from portal.demo.guardians import seed_guardians
from portal.demo.ledger import seed_demo_opening
from portal.demo.mall import seed_vouchers
from portal.demo.market import seed_market
from portal.demo.merchants import seed_merchants
from portal.demo.methodology import seed_methodologies
from portal.demo.offsets import seed_offsets
from portal.demo.registry import seed_registry
from portal.demo.retirements import seed_retirements
from portal.demo.reviews import seed_reviews
from portal.demo.teams import seed_teams
from portal.demo.volunteering import seed_volunteering
from portal.demo.welfare import seed_welfare
from portal.gamification.leaderboards.services import build_leaderboards

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DemoLogin", "seed_demo"]


def seed_demo(*, points_per_kg: int, upload_dir: Path) -> tuple[list[DemoLogin], str]:
    """Create what is missing; running it again changes nothing (records already sent come back
    as duplicates). Returns the demo logins and a summary of the demo records quantified."""
    seed_methodologies()
    people = seed_accounts()
    seed_guardians()  # before the donations: their donors' listing is set
    seed_demo_opening(DEMO_LOGINS[0].login)  # before this year's records: posting order
    report = seed_activities(people, points_per_kg=points_per_kg, upload_dir=upload_dir)
    seed_reviews(people, points_per_kg=points_per_kg)
    seed_registry(people, points_per_kg=points_per_kg)  # two months of hitch rides, pooled
    seed_certificates()  # after every record that reaches a milestone
    seed_merchants(upload_dir=upload_dir)
    seed_welfare()
    seed_vouchers()
    seed_events()  # after the merchants' published offers it links
    seed_quizzes()
    _school, *classes, _volunteers = seed_teams()
    seed_challenges(classes)  # a finished duel of the two classes and a running one
    seed_volunteering()  # after the teams whose members check in
    seed_campaigns()  # after the records it pays bonuses for
    seed_cases()  # the court's 以碳代偿 cases, open until a retirement covers them
    seed_market()  # after the registry's issued batches: lists them, a paid order
    seed_offsets()  # after the market's listings: the forum made neutral, case 902 fulfilled
    seed_retirements()  # after the market's paid orders: the enterprise's annual offset
    seed_badges()  # after every record and donation that earns one
    build_leaderboards()  # last: the boards of everything above
    return list(DEMO_LOGINS), str(report)
