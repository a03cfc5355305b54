"""Demo registry data: hitch-riders (顺风车, JLCH-TR-006) commuting between Changchun and Jilin
in the three months before last, pooled into one batch a month; the first two carried through
the four-eyes steps by the three demo registry officials (issued: the supply the demo market
sells, the demo retirements retire and the demo citizens trace), the last left proposed for
them to try. A large cohort of riders rode in the two issued months, a small one (the first
riders and three demo citizens, 13900000001 among them) in all three.

Idempotent: the riders are found by login, their records carry stable external ids (a rerun
answers "duplicate"), the pooling job pools nothing twice and only a proposed first batch is
carried on.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.security import generate_password_hash

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
RIDERS = 130  # logins 13900003001 …, all living in Changchun
LATE_RIDERS = 16  # the first riders, who also rode in the last month
# The demo citizen and two Changchun demo citizens share the rides too (their traceability).
CITIZEN_RIDERS = ("13900000001", "13900001001", "13900001002")
ISSUED_MONTHS = 2
SIGNED_UP_DAYS_AGO = 130  # before the first month of rides
# The reviewer, the verifier and the issuer (portal.demo.accounts).
REGISTRY_OFFICIALS = tuple(
    f"{duty}@demo.tanhui-jilin.cn" for duty in ("reviewer", "verifier", "issuer")
)


def _months(today: date) -> list[date]:
    """The first days of the three months before last (all ended more than a month ago)."""
    months = [today.replace(day=1)]
    for _ in range(ISSUED_MONTHS + 2):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return months[:1:-1]


def _citizen_riders() -> list[User]:
    """The demo citizens who ride, their sign-up dated before the first rides."""
    citizens = [user for login in CITIZEN_RIDERS if (user := find_user(login)) is not None]
    signed_up = utcnow() - timedelta(days=SIGNED_UP_DAYS_AGO)
    with transaction():
        for user in citizens:
            user.created_at = min(user.created_at, signed_up)
            user.consented_at = min(user.consented_at, signed_up)
    return citizens


def _riders() -> list[User]:
    """The riders, the missing ones created in one go: demo accounts sharing one password
    hash (hashing each would take most of the seed's time), dated before their rides."""
    logins = [f"1390000{3000 + n}" for n in range(1, RIDERS + 1)]
    found = {
        user.phone: user for user in session().scalars(select(User).where(User.phone.in_(logins)))
    }
    missing = [(n, login) for n, login in enumerate(logins, 1) if login not in found]
    if missing:
        password_hash = generate_password_hash(DEMO_PASSWORD)
        signed_up = utcnow() - timedelta(days=SIGNED_UP_DAYS_AGO)
        with transaction() as db:
            for n, login in missing:
                found[login] = User(
                    phone=login,
                    password_hash=password_hash,
                    display_name=f"长吉通勤{n:02d}",
                    city_code="220100",
                    privacy_notice_version=PRIVACY_VERSION,
                    consented_at=signed_up,
                    created_at=signed_up,
                )
                db.add(found[login])
    return [found[login] for login in logins]


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


def _day_rides(day: date, riders: list[tuple[str, int]]) -> list[RecordInput]:
    """Every rider's round-trip hitch order (往返拼车) of a weekday: to Jilin in the morning and
    back in the evening, 200–290 km door to door; ``riders`` are (login, user id)."""
    items = []
    for login, user_id in riders:
        rng = random.Random(f"hitch:{login}:{day.isoformat()}")
        km = Decimal(rng.randint(2000, 2900)) / 10
        start = local_midnight(day) + timedelta(hours=7, minutes=rng.randint(0, 45))
        back = local_midnight(day) + timedelta(hours=19, minutes=rng.randint(0, 45))
        items.append(
            RecordInput(
                CODE,
                km,
                "km",
                start,
                back,
                external_id=f"hitch-{login}-{day:%Y%m%d}",
                user_ref=f"hitch-{user_id}",
            )
        )
    return items


def _send_rides(partner: Partner, riders: list[User], late_count: int, months: list[date]) -> None:
    """Each day's rides sent that evening (within the intake's 30 days), as the partner did:
    every rider's in the issued months, the first ``late_count`` riders' in the last."""
    everyone = [(user.login_name, user.id) for user in riders]
    late = everyone[:late_count]
    day, end = months[0], next_month(months[-1])
    while day < end:
        if day.weekday() < 5:
            items = _day_rides(day, everyone if day < months[-1] else late)
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
    """Riders, rides, the quantify run, then the batches: the first months' issued, the last
    month's proposed."""
    citizens = _citizen_riders()
    riders = [*citizens, *_riders()]
    partner = _partner(people.admin, riders)
    months = _months(utcnow().astimezone(SHANGHAI).date())
    _send_rides(partner, riders, len(citizens) + LATE_RIDERS, months)
    quantify_pending(points_per_kg=points_per_kg)
    officials = [user for login in REGISTRY_OFFICIALS if (user := find_user(login)) is not None]
    pool_reductions(now=utcnow(), delay_days=7, buffer_bp=500)
    batches = _batches()
    while batches and len(batches) <= ISSUED_MONTHS and batches[-1].status == BatchStatus.PROPOSED:
        _carry_through(batches[-1], officials)
        pool_reductions(now=utcnow(), delay_days=7, buffer_bp=500)
        batches = _batches()
