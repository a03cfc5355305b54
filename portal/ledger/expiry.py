"""Points expiry: points earned in a year expire at the end of the ``years``-th calendar year
after it (Asia/Shanghai; ``POINTS_EXPIRY_YEARS``, default 1: points earned in 2025 expire at
the end of 2026), oldest first.

Oldest first means spending uses the oldest points: what expires at the end of year E is what
was earned up to the end of year E − ``years`` and neither spent before that moment nor
expired already, ``max(0, earned − spent − expired)``, and never more than the balance. Every
credit to a citizen's account counts as earned when it was posted (a refund too); every other
debit counts as spent. ``expire_points`` posts one ``points_expiry`` transaction per citizen
and expiry year, to the expiry account, idempotent on ``points_expiry:<account>:<year>``: a
run killed half way, or run again, posts nothing twice. ``expiring`` tells a citizen what
expires next and when (the account page); ``notify_expiring`` posts it to their inbox 30 days
before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, case, func, select

from portal.clock import SHANGHAI, local_date, local_midnight
from portal.db import session, transaction
from portal.errors import Conflict
from portal.ledger.accounts import system_account_id
from portal.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from portal.ledger.postings import Posting
from portal.ledger.services import append
from portal.notifications.kinds import POINTS_EXPIRING
from portal.notifications.services import post

EXPIRY_KIND = "points_expiry"
NOTICE_DAYS = 30  # citizens are told this many days before their points expire
BATCH = 500  # postings per ledger append (one database transaction)

_ENTRIES = cast(Table, LedgerEntry.__table__)
_TX = cast(Table, LedgerTransaction.__table__)
_ACCOUNTS = cast(Table, LedgerAccount.__table__)


def expires_at(year: int) -> datetime:
    """The moment the points expiring at the end of ``year`` expire: the next midnight."""
    return local_midnight(date(year + 1, 1, 1))


@dataclass(frozen=True)
class Expiring:
    points: int
    at: datetime  # the moment they expire
    earned_through: int  # the last year of the points that expire then


def _amounts(
    *, earned_before: datetime, spent_before: datetime, account_ids: Iterable[int] | None = None
) -> dict[int, tuple[int, int]]:
    """Per citizen account: (points that expire, its user), over entries posted so far."""
    e, t, a = _ENTRIES.c, _TX.c, _ACCOUNTS.c
    is_expiry = t.kind == EXPIRY_KIND
    earned = func.sum(case((and_(e.points > 0, t.created_at < earned_before), e.points), else_=0))
    spent = func.sum(
        case((and_(e.points < 0, ~is_expiry, t.created_at < spent_before), -e.points), else_=0)
    )
    expired = func.sum(case((is_expiry, -e.points), else_=0))
    stmt = (
        select(e.account_id, earned - spent - expired, a.balance, a.user_id)
        .join(_TX, t.id == e.transaction_id)
        .join(_ACCOUNTS, a.id == e.account_id)
        .where(a.kind == AccountKind.USER_POINTS.value)
        .group_by(e.account_id, a.balance, a.user_id)
    )
    if account_ids is not None:
        stmt = stmt.where(e.account_id.in_(list(account_ids)))
    found: dict[int, tuple[int, int]] = {}
    for account_id, due, balance, user_id in session().execute(stmt):
        points = min(max(int(due or 0), 0), int(balance))
        if points:
            found[int(account_id)] = (points, int(user_id))
    return found


def expiring(account_id: int, now: datetime, years: int) -> Expiring | None:
    """What of this citizen's points expires next (at the end of this calendar year) if they
    spend nothing before; None when nothing does or expiry is off (``years`` 0)."""
    if years <= 0:
        return None
    year = now.astimezone(SHANGHAI).year
    earned_through = year - years
    found = _amounts(
        earned_before=expires_at(earned_through),
        spent_before=expires_at(year),
        account_ids=[account_id],
    )
    if account_id not in found:
        return None
    return Expiring(found[account_id][0], expires_at(year), earned_through)


def expire_points(today: date, years: int) -> int:
    """Post the expiry of every citizen's points whose time has come by ``today``; returns how
    many points expired. Owns its transactions (one per ``BATCH`` citizens): call outside any.
    ``years`` 0 turns expiry off."""
    if years <= 0:
        return 0
    year = today.year - 1  # the last year that has ended
    earned_through = year - years
    due = _amounts(earned_before=expires_at(earned_through), spent_before=expires_at(year))
    with transaction():
        expiry = system_account_id(AccountKind.EXPIRY)
    total = 0
    accounts = sorted(due)
    for start in range(0, len(accounts), BATCH):
        chunk = accounts[start : start + BATCH]
        postings = [_posting(account, due[account][0], expiry, year) for account in chunk]
        try:
            with transaction():
                posted = append(postings)
        except Conflict:
            # A citizen spent meanwhile: this batch again one by one, each recomputed.
            posted = [_expire_one(account, expiry, year, earned_through) for account in chunk]
            total += sum(points for points in posted if points)
            continue
        total += sum(p.entries[1][1] for p, tx in zip(postings, posted, strict=True) if tx)
    return total


def notify_expiring(today: date, years: int) -> int:
    """From ``NOTICE_DAYS`` before this year's expiry moment, tell every citizen whose points
    expire then how many and when, once a year (idempotent per citizen and year); returns how
    many were told. Owns its transaction."""
    year = today.year
    at = expires_at(year)
    if years <= 0 or (local_date(at) - today).days > NOTICE_DAYS:
        return 0
    due = _amounts(earned_before=expires_at(year - years), spent_before=at)
    last_day = (local_date(at) - timedelta(days=1)).isoformat()
    told = 0
    with transaction():
        for account, (points, user_id) in sorted(due.items()):
            posted = post(
                user_id,
                POINTS_EXPIRING,
                {"points": points, "expires_on": last_day},
                key=f"{POINTS_EXPIRING}:{account}:{year}",
            )
            told += posted is not None
    return told


def _posting(account: int, points: int, expiry: int, year: int) -> Posting:
    return Posting(
        f"{EXPIRY_KIND}:{account}:{year}",
        EXPIRY_KIND,
        ((account, -points), (expiry, points)),
        {"expired_at_end_of": year},
    )


def _expire_one(account: int, expiry: int, year: int, earned_through: int) -> int | None:
    with transaction():
        found = _amounts(
            earned_before=expires_at(earned_through),
            spent_before=expires_at(year),
            account_ids=[account],
        )
        if account not in found:
            return None
        points = found[account][0]
        return points if append([_posting(account, points, expiry, year)])[0] else None
