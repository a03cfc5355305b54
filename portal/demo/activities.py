"""Demo behaviour data: partner platforms, linked citizens and three weeks of realistic records,
quantified — so the demo shows reductions, caps, flags and explanations right after ``make run``.

Idempotent: partners are found by name, records carry stable external ids (a rerun on the same
day answers "duplicate"), and self-reports are added only for days that have none.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from portal.accounts.models import OrgKind, User
from portal.activities.intake.partner_records import submit_partner_records
from portal.activities.intake.records import MAX_BATCH, RecordInput
from portal.activities.intake.self_reports import log_behavior
from portal.activities.models import AccountLink, BehaviorRecord, Channel, Partner
from portal.activities.partners.links import create_link_code, link_account
from portal.activities.partners.registration import create_partner
from portal.activities.quantify import QuantifyReport, quantify_pending
from portal.clock import SHANGHAI, utcnow
from portal.db import session
from portal.demo.accounts import DemoAccounts, ensure_organisation

DAYS = 21  # fewer than portal.demo.accounts.SIGNED_UP_DAYS_AGO: records follow the sign-ups
# (organisation zh, organisation en, partner name, methodology codes)
PARTNERS = (
    (
        "长春轨道交通集团（演示）",
        "Changchun Rail Transit (demo)",
        "长春地铁·公交（演示）",
        ["JLCH-TR-007", "JLCH-TR-008"],
    ),
    (
        "江城共享出行（演示）",
        "Jiangcheng Shared Mobility (demo)",
        "江城共享单车（演示）",
        ["JLCH-TR-004"],
    ),
    (
        "国网吉林供电（演示）",
        "State Grid Jilin Supply (demo)",
        "吉林电网节电（演示）",
        ["JLCH-HS-003"],
    ),
    (
        "吉林绿色回收（演示）",
        "Jilin Green Recycling (demo)",
        "绿色回收站（演示）",
        ["JLCH-CL-001", "JLCH-HS-004"],
    ),
)


def _partners(admin: User) -> list[Partner]:
    partners = []
    for org_zh, org_en, name, codes in PARTNERS:
        partner = session().scalar(select(Partner).where(Partner.name == name))
        if partner is None:
            org = ensure_organisation(admin, org_zh, org_en, OrgKind.PARTNER, "220100")
            partner, _secret = create_partner(
                name=name, methodology_codes=codes, organisation_id=org.id
            )
        partners.append(partner)
    return partners


def _link(partner: Partner, user: User) -> None:
    exists = session().scalar(
        select(AccountLink.id).where(
            AccountLink.partner_id == partner.id, AccountLink.user_id == user.id
        )
    )
    if exists is None:
        # Linked after signing up and before the first record the partner sends for them.
        linked = utcnow() - timedelta(days=DAYS + 1)
        code = create_link_code(user.id, now=linked)
        link_account(
            partner_id=partner.id, code=code.code, partner_user_ref=f"demo-{user.id}", now=linked
        )


def _at(day: datetime, hour: int, minute: int) -> datetime:
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(SHANGHAI)


def _record(
    code: str,
    quantity: Decimal,
    unit: str,
    start: datetime,
    *,
    key: str,
    ref: str,
    minutes: int | None = None,
    **parameters: str,
) -> RecordInput:
    """A demo partner record; ``key`` makes the external id stable across reruns."""
    end = None if minutes is None else start + timedelta(minutes=minutes)
    return RecordInput(
        code, quantity, unit, start, end, parameters=parameters, external_id=key, user_ref=ref
    )


def _partner_records(partner: Partner, users: list[User], today: datetime) -> list[RecordInput]:
    items: list[RecordInput] = []
    for user in users:
        # Seeded by the login, not the id, so every database gets the same records (ids differ).
        rng = random.Random(f"{partner.name}:{user.login_name}")
        ref = f"demo-{user.id}"
        for back in range(DAYS, 0, -1):
            day = today - timedelta(days=back)
            stamp = day.strftime("%Y%m%d")

            # A commuter takes either the metro or the bus on a given day, never both at once.
            commute = rng.choice(["JLCH-TR-007", "JLCH-TR-008"])
            for code in partner.methodology_codes:
                key = f"{code}-{ref}-{stamp}"
                if code == commute and day.weekday() < 5:
                    for trip, hour in enumerate((7, 18)):
                        km = Decimal(rng.randint(40, 180)) / 10
                        start = _at(day, hour, rng.randint(0, 50))
                        key = f"{code}-{ref}-{stamp}-{trip}"
                        items.append(
                            _record(
                                code, km, "km", start, key=key, ref=ref, minutes=int(km * 3) + 5
                            )
                        )
                elif code == "JLCH-TR-004" and rng.random() < 0.5:
                    km = Decimal(rng.randint(12, 60)) / 10
                    start = _at(day, 12, rng.randint(0, 40))
                    items.append(
                        _record(
                            code,
                            km,
                            "km",
                            start,
                            key=key,
                            ref=ref,
                            minutes=int(km * 5) + 3,
                            is_ebike=str(rng.randint(0, 1)),
                        )
                    )
                elif code == "JLCH-HS-003" and day.weekday() == 6:
                    baseline = Decimal(rng.randint(60, 90))
                    used = baseline - Decimal(rng.randint(3, 15))
                    items.append(
                        _record(
                            code,
                            used,
                            "kWh",
                            _at(day, 21, 0),
                            key=key,
                            ref=ref,
                            baseline_kwh=str(baseline),
                        )
                    )
                elif code == "JLCH-CL-001" and day.weekday() == 5 and rng.random() < 0.4:
                    kg = Decimal(rng.randint(15, 60)) / 10
                    items.append(_record(code, kg, "kg", _at(day, 10, 30), key=key, ref=ref))
                elif code == "JLCH-HS-004" and day.weekday() in (1, 4):
                    kg = Decimal(rng.randint(5, 30)) / 10
                    items.append(_record(code, kg, "kg", _at(day, 19, 15), key=key, ref=ref))
    return items


def _walks(user: User, today: datetime, upload_dir: Path) -> None:
    """Daily step counts the citizen logged themselves (walking accepts a bare claim)."""
    rng = random.Random(f"walks:{user.login_name}")
    logged = {
        r.astimezone(SHANGHAI).date()
        for r in session().scalars(
            select(BehaviorRecord.occurred_at).where(
                BehaviorRecord.user_id == user.id,
                BehaviorRecord.channel == Channel.SELF_REPORT.value,
            )
        )
    }
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        # Draw both numbers every day so a rerun walks the same random sequence.
        steps = Decimal(rng.randint(3000, 14000))
        rests = rng.random() < 0.2
        if day.date() in logged or rests:
            continue
        start = _at(day, 19, 30)
        log_behavior(
            user_id=user.id,
            item=RecordInput(
                "JLCH-TR-001",
                steps,
                "steps",
                start,
                start + timedelta(minutes=int(steps / 100) + 10),
            ),
            photo=None,
            upload_dir=upload_dir,
        )


# The demo's review queue: two walks the demo citizen logged with more steps than one walk can
# plausibly hold (JLCH-TR-001 flags a record over 60,000 steps), some days back.
IMPLAUSIBLE_WALKS = ((5, Decimal(65_000)), (2, Decimal(72_000)))


def _implausible_walks(user: User, today: datetime, upload_dir: Path) -> None:
    for back, steps in IMPLAUSIBLE_WALKS:
        start = _at(today - timedelta(days=back), 7, 0)
        exists = session().scalar(
            select(BehaviorRecord.id).where(
                BehaviorRecord.user_id == user.id, BehaviorRecord.occurred_at == start
            )
        )
        if exists is None:
            log_behavior(
                user_id=user.id,
                item=RecordInput("JLCH-TR-001", steps, "steps", start, start + timedelta(hours=9)),
                photo=None,
                upload_dir=upload_dir,
            )


def seed_activities(
    people: DemoAccounts, *, points_per_kg: int, upload_dir: Path
) -> QuantifyReport:
    """Partners, links, records for the last three weeks, then one quantify run."""
    today = utcnow().astimezone(SHANGHAI)
    partners = _partners(people.admin)
    citizens = people.citizens
    for partner in partners:
        linked = citizens if partner.methodology_codes[0].startswith("JLCH-TR-00") else citizens[:6]
        for user in linked:
            _link(partner, user)
        items = _partner_records(partner, linked, today)
        for start in range(0, len(items), MAX_BATCH):
            submit_partner_records(
                partner_id=partner.id,
                items=items[start : start + MAX_BATCH],
                channel=Channel.PARTNER_API,
            )
    for user in citizens[:4]:
        _walks(user, today, upload_dir)
    _implausible_walks(citizens[0], today, upload_dir)
    return quantify_pending(points_per_kg=points_per_kg)
