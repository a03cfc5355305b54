"""The ``campaign_bonuses`` job: pay each campaign's bonus points for the records that count.

A record counts for a campaign when it was done inside the campaign's window, quantified by the
end of its grace window (``counts_until``), is live, earned points, and its scenario has a
multiplier. The job finds such reductions without a bonus row (an anti-join, so nothing is
missed whatever order quantify batches commit in) and pays them in batches, one transaction per
campaign and batch:

1. lock the campaign's budget account row (``ledger.lock_balance``) — parallel runs for one
   campaign queue here, and each then reads the rows the previous one wrote;
2. read the batch's candidates and the bonus each person has had so far;
3. hold each bonus to the person's cap and to the budget left (``rules.award``);
4. write one bonus row per record (unique per campaign and reduction) and one ledger posting
   (budget → citizens), and queue the people for the ``badges`` job (campaign participation).

Before paying, each run gives back the bonuses of reductions reversed since (``claw_back``).
Killed at any point, a batch leaves nothing written and is paid by the next run; a replay finds
no candidate left. The ledger refuses a budget below zero in any case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.activities.models import Reduction
from portal.clock import utcnow
from portal.db import session, transaction
from portal.errors import Conflict
from portal.gamification.campaigns.models import Campaign, CampaignBonus, CampaignMultiplier
from portal.gamification.campaigns.rules import award, bonus_points
from portal.gamification.models import BadgeQueue
from portal.ledger.models import AccountKind
from portal.ledger.services import (
    Posting,
    append,
    ensure_user_accounts,
    lock_balance,
    owned_account_id,
)
from portal.methodology.models import Methodology

BATCH_SIZE = 500
BONUS_KIND = "campaign.bonus"
CLAWBACK_KIND = "campaign.clawback"
# A record quantified just before ``counts_until`` may commit a little after it: campaigns are
# looked at for this long after their grace window closes.
LOOKBACK = timedelta(days=1)
_BONUSES = cast(Table, CampaignBonus.__table__)


@dataclass(frozen=True)
class BonusRun:
    """What a run did: records counted (rows written), bonus points paid, batches committed."""

    records: int = 0
    points: int = 0
    batches: int = 0


def pay_campaign_bonuses(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> BonusRun:
    """Pay the bonuses of every campaign started by ``now`` whose grace window has not long
    closed. Idempotent and kill-safe (see the module's docstring); run by the job table."""
    now = now or utcnow()
    with transaction() as db:  # committed: no snapshot held while batches wait for locks
        campaign_ids = list(
            db.scalars(
                select(Campaign.id)
                .where(Campaign.starts_at <= now, Campaign.counts_until >= now - LOOKBACK)
                .order_by(Campaign.id)
            )
        )
    records = points = batches = 0
    for campaign_id in campaign_ids:
        with transaction():
            claw_back(campaign_id, batch_size)
        while True:
            with transaction():
                counted, paid = pay_batch(campaign_id, batch_size)
            if counted == 0:
                break
            records, points, batches = records + counted, points + paid, batches + 1
            if counted < batch_size:
                break
    return BonusRun(records, points, batches)


def _candidates(campaign: Campaign, limit: int) -> list[tuple[int, int, int, int]]:
    """(reduction id, user id, base points, percent) of records that count and are unpaid."""
    r, m = Reduction, CampaignMultiplier
    paid = exists().where(
        CampaignBonus.campaign_id == campaign.id, CampaignBonus.reduction_id == r.id
    )
    rows = session().execute(
        select(r.id, r.user_id, r.points, m.percent)
        .join(Methodology, Methodology.id == r.methodology_id)
        .join(m, and_(m.campaign_id == campaign.id, m.scenario_code == Methodology.scenario_code))
        .where(
            r.occurred_at >= campaign.starts_at,
            r.occurred_at < campaign.ends_at,
            r.created_at <= campaign.counts_until,
            r.reversed_at.is_(None),
            r.points > 0,
            ~paid,
        )
        .order_by(r.id)
        .limit(limit)
    )
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows]


def pay_batch(campaign_id: int, limit: int) -> tuple[int, int]:
    """Pay up to ``limit`` counted records of one campaign; returns (records, points).
    Flush-only: inside the caller's transaction, which must hold no ledger account lock."""
    campaign = cast(Campaign, session().get(Campaign, campaign_id))
    account = owned_account_id(AccountKind.CAMPAIGN, campaign.id)
    budget_left = lock_balance(account)
    candidates = _candidates(campaign, limit)
    if not candidates:
        return 0, 0
    people = sorted({user_id for _, user_id, _, _ in candidates})
    so_far = {
        int(user_id): int(points)
        for user_id, points in session().execute(
            select(CampaignBonus.user_id, func.sum(CampaignBonus.bonus_points))
            .where(
                CampaignBonus.campaign_id == campaign.id,
                CampaignBonus.user_id.in_(people),
                CampaignBonus.clawed_back_at.is_(None),
            )
            .group_by(CampaignBonus.user_id)
        )
    }
    per_user: dict[int, int] = {}
    rows = []
    for reduction_id, user_id, base, percent in candidates:
        given = so_far.get(user_id, 0) + per_user.get(user_id, 0)
        paid = award(bonus_points(base, percent), campaign.cap_points - given, budget_left)
        budget_left -= paid.points
        if paid.points:
            per_user[user_id] = per_user.get(user_id, 0) + paid.points
        rows.append((reduction_id, user_id, base, paid))
    total = sum(per_user.values())
    tx_id = _post(campaign.id, account, per_user, [row[0] for row in rows]) if total else None
    now = utcnow()
    session().execute(
        insert(_BONUSES),
        [
            {
                "campaign_id": campaign.id,
                "reduction_id": reduction_id,
                "user_id": user_id,
                "base_points": base,
                "bonus_points": paid.points,
                "outcome": paid.outcome.value,
                "ledger_transaction_id": tx_id if paid.points else None,
                "created_at": now,
            }
            for reduction_id, user_id, base, paid in rows
        ],
    )
    _queue_for_badges([u for u in people if u not in so_far])
    return len(rows), total


def claw_back(campaign_id: int, limit: int) -> int:
    """Give back to the budget the bonuses paid on reductions reversed since (partner data of
    the same act replaced the citizen's report: the partner's reduction earns its own bonus);
    returns how many. One posting per bonus, keyed by its reduction, so it is given back once.
    A citizen who has spent the points meanwhile keeps them for now: the ledger refuses the
    debit, the bonus stays marked unreturned and the next run tries again. Flush-only, with
    the budget locked first (as ``pay_batch``)."""
    account = owned_account_id(AccountKind.CAMPAIGN, campaign_id)
    lock_balance(account)
    b = CampaignBonus
    rows = (
        session()
        .execute(
            select(b.id, b.reduction_id, b.user_id, b.bonus_points)
            .join(Reduction, Reduction.id == b.reduction_id)
            .where(
                b.campaign_id == campaign_id,
                b.bonus_points > 0,
                b.clawed_back_at.is_(None),
                Reduction.reversed_at.is_not(None),
            )
            .order_by(b.id)
            .limit(limit)
        )
        .all()
    )
    accounts = ensure_user_accounts({row.user_id for row in rows})
    returned = []
    for row in rows:
        posting = Posting(
            idempotency_key=f"campaign:{campaign_id}:clawback:{row.reduction_id}",
            kind=CLAWBACK_KIND,
            entries=((accounts[row.user_id], -row.bonus_points), (account, row.bonus_points)),
            memo={"campaign_id": campaign_id, "reduction_id": row.reduction_id},
        )
        try:
            append([posting])  # its own savepoint: a refusal leaves the others standing
        except Conflict:
            continue
        returned.append(row.id)
    if returned:
        session().execute(update(b).where(b.id.in_(returned)).values(clawed_back_at=utcnow()))
    return len(returned)


def _post(campaign_id: int, account: int, per_user: dict[int, int], records: list[int]) -> int:
    accounts = ensure_user_accounts(per_user)
    digest = hashlib.sha256(",".join(map(str, records)).encode()).hexdigest()
    (tx_id,) = append(
        [
            Posting(
                idempotency_key=f"campaign:{campaign_id}:bonus:{records[0]}:{digest[:40]}",
                kind=BONUS_KIND,
                entries=(
                    (account, -sum(per_user.values())),
                    *((accounts[u], points) for u, points in sorted(per_user.items())),
                ),
                memo={"campaign_id": campaign_id, "records": len(records), "digest": digest},
            )
        ]
    )
    if tx_id is None:  # the same records paid before: the campaign lock makes this a bug
        raise RuntimeError(f"campaign {campaign_id}: bonus batch posted twice")
    return tx_id


def _queue_for_badges(user_ids: list[int]) -> None:
    """People counted in a campaign for the first time: the ``badges`` job looks at them (the
    upsert locks a row already queued, as the reductions trigger does, so none is missed)."""
    if not user_ids:
        return
    db = session()
    dialect_insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(BadgeQueue).values(
        [{"user_id": u, "queued_at": utcnow()} for u in user_ids]
    )
    db.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id"], set_={"queued_at": stmt.excluded.queued_at}
        )
    )
