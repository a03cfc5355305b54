"""Demo registry data: hitch-riders (顺风车, JLCH-TR-006) commuting between Changchun and Jilin
in the two months before last, pooled into batches; the first carried through the four-eyes
steps by the three demo registry officials (issued), the second left proposed for them to try.

Idempotent: the riders are found by login, their records carry stable external ids (a rerun
answers "duplicate"), the pooling job pools nothing twice and only a proposed first batch is
carried on.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import OrgKind, User
from portal.activities.intake.partner_records import submit_partner_records
from portal.activities.intake.records import MAX_BATCH, RecordInput
from portal.activities.models import AccountLink, Channel, Partner
from portal.activities.partners.links import create_link_code, link_account
from portal.activities.partners.registration import create_partner
from portal.activities.quantify import quantify_pending
from portal.clock import SHANGHAI, local_midnight, next_month, utcnow
from portal.db import session, transaction
from portal.demo.accounts import (
    DEMO_PASSWORD,
    PRIVACY_VERSION,
    DemoAccounts,
    ensure_organisation,
    find_user,
)
from portal.market import services
from portal.market.models import Batch, BatchStatus, SampleItem
from portal.market.pooling import pool_reductions
from portal.methodology.models import Methodology

CODE = "JLCH-TR-006"
PARTNER = ("吉林顺风出行（演示）", "Jilin Hitch Rides (demo)", "长吉顺风车（演示）")
RIDERS = 16  # logins 13900003001 …, all living in Changchun
SIGNED_UP_DAYS_AGO = 120  # before the first month of rides
# The reviewer, the verifier and the issuer (portal.demo.accounts).
REGISTRY_OFFICIALS = tuple(
    f"{duty}@demo.tanhui-jilin.cn" for duty in ("reviewer", "verifier", "issuer")
)


def _months(today: date) -> list[date]:
    """The first days of the two months before last (both ended more than a month ago)."""
    months = [today.replace(day=1)]
    for _ in range(3):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return [months[3], months[2]]


def _riders() -> list[User]:
    riders = []
    for n in range(1, RIDERS + 1):
        login = f"139000030{n:02d}"
        user = find_user(login)
        if user is None:
            user = accounts.register_user(
                login=login,
                password=DEMO_PASSWORD,
                display_name=f"长吉通勤{n:02d}",
                city_code="220100",
                district=None,
                privacy_notice_version=PRIVACY_VERSION,
                birth_year=None,
            )
            with transaction():
                user.created_at = user.consented_at = utcnow() - timedelta(days=SIGNED_UP_DAYS_AGO)
        riders.append(user)
    return riders


def _partner(admin: User, riders: list[User]) -> Partner:
    org_zh, org_en, name = PARTNER
    partner = session().scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        org = ensure_organisation(admin, org_zh, org_en, OrgKind.PARTNER, "220100")
        partner, _secret = create_partner(
            name=name, methodology_codes=[CODE], organisation_id=org.id
        )
    linked = {
        user_id
        for user_id in session().scalars(
            select(AccountLink.user_id).where(AccountLink.partner_id == partner.id)
        )
    }
    when = utcnow() - timedelta(days=SIGNED_UP_DAYS_AGO - 1)
    for user in riders:
        if user.id not in linked:
            code = create_link_code(user.id, now=when)
            link_account(
                partner_id=partner.id, code=code.code, partner_user_ref=f"hitch-{user.id}", now=when
            )
    return partner


def _day_rides(day: date, riders: list[User]) -> list[RecordInput]:
    """Two hitch rides (to Jilin and back, 95–125 km each) of every rider on a weekday."""
    items = []
    for user in riders:
        rng = random.Random(f"hitch:{user.login_name}:{day.isoformat()}")
        for trip, hour in enumerate((7, 17)):
            km = Decimal(rng.randint(950, 1250)) / 10
            start = local_midnight(day) + timedelta(hours=hour, minutes=rng.randint(0, 45))
            items.append(
                RecordInput(
                    CODE,
                    km,
                    "km",
                    start,
                    start + timedelta(minutes=int(km) + 10),
                    external_id=f"hitch-{user.login_name}-{day:%Y%m%d}-{trip}",
                    user_ref=f"hitch-{user.id}",
                )
            )
    return items


def _send_rides(partner: Partner, riders: list[User], months: list[date]) -> None:
    """Each day's rides sent that evening (within the intake's 30 days), as the partner did."""
    day, end = months[0], next_month(months[-1])
    while day < end:
        if day.weekday() < 5:
            items = _day_rides(day, riders)
            evening: datetime = local_midnight(day) + timedelta(hours=23)
            for start in range(0, len(items), MAX_BATCH):
                submit_partner_records(
                    partner_id=partner.id,
                    items=items[start : start + MAX_BATCH],
                    channel=Channel.PARTNER_API,
                    now=evening,
                )
        day += timedelta(days=1)


def _carry_through(batch: Batch, officials: list[User]) -> None:
    reviewer, verifier, issuer = officials
    items = session().scalars(select(SampleItem.id).where(SampleItem.batch_id == batch.id)).all()
    for item_id in items:
        services.review_item(actor=reviewer, batch_id=batch.id, item_id=item_id, passed=True)
    services.complete_review(actor=reviewer, batch_id=batch.id)
    services.verify_batch(actor=verifier, batch_id=batch.id)
    services.issue_batch(actor=issuer, batch_id=batch.id)


def _batches() -> list[Batch]:
    methodology = session().scalar(select(Methodology.id).where(Methodology.code == CODE))
    return list(
        session().scalars(
            select(Batch).where(Batch.methodology_id == methodology).order_by(Batch.id)
        )
    )


def seed_registry(people: DemoAccounts, *, points_per_kg: int) -> None:
    """Riders, rides, the quantify run, then the batches: the first issued, the next proposed."""
    riders = _riders()
    partner = _partner(people.admin, riders)
    _send_rides(partner, riders, _months(utcnow().astimezone(SHANGHAI).date()))
    quantify_pending(points_per_kg=points_per_kg)
    officials = [user for login in REGISTRY_OFFICIALS if (user := find_user(login)) is not None]
    pool_reductions(now=utcnow(), delay_days=7, buffer_bp=500)
    batches = _batches()
    if len(batches) == 1 and batches[0].status == BatchStatus.PROPOSED:
        _carry_through(batches[0], officials)
        pool_reductions(now=utcnow(), delay_days=7, buffer_bp=500)
