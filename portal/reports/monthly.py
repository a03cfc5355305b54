"""The monthly report: after each Asia/Shanghai month, every active citizen gets a
notification with that month's grams CO₂e reduced by category, the change against the month
before (grams and per cent), the change of their place on the month's person board and the
badges earned in it.

The places are the month-end places ``leaderboards.month_end`` stores when it closes a month:
the report closes the month (and the one before, if it never was) before posting. Only people
the person board lists have a place; for everyone else (under 14, not opted in) the report
says nothing of rank.

"Active" means an account that is neither deleted nor disabled and that has a live reduction in
the month or the month before, or a badge awarded in the month: someone with nothing to report
gets no report. Idempotent per person and month (the notification key
``monthly_report:<user id>:<YYYY-MM>``), kill-safe (one transaction per batch of people, taken
in user-id order; a run after a killed one posts the rest, once each) and a fixed number of
grouped queries per batch, never one per person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, select, union

from portal.accounts.models import User
from portal.activities.models import Reduction
from portal.clock import bounds_utc, next_month
from portal.db import session, transaction
from portal.gamification.leaderboards.month_end import close_month, get_places
from portal.gamification.models import BadgeAward
from portal.methodology.categories import CATEGORIES
from portal.methodology.models import Methodology
from portal.notifications import kinds
from portal.notifications.services import Notice, post_many

BATCH_SIZE = 500


@dataclass(frozen=True)
class ReportRun:
    people: int  # reports built (posted now or already posted)
    posted: int  # new notifications
    batches: int


def previous_month(first: date) -> date:
    """The first day of the month before the one ``first`` is in."""
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


def change_percent(current: int, previous: int) -> int | None:
    """The change from ``previous`` to ``current`` in whole per cent, halves away from zero;
    None when there was nothing before (no percentage of zero)."""
    if previous <= 0:
        return None
    ratio = Decimal(100 * (current - previous)) / Decimal(previous)
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def report_key(user_id: int, month: date) -> str:
    return f"monthly_report:{user_id}:{month:%Y-%m}"


def report_params(
    month: date,
    grams: dict[str, int],
    previous: int,
    badges: list[list[str]],
    places: tuple[int | None, int | None] = (None, None),
) -> dict[str, Any]:
    """The ``monthly_report`` parameters (see ``portal.notifications.kinds``); ``places`` is
    the month-end place on the person board in the month and in the month before (None for
    none): ``place`` is set only with a place this month, ``previous_place`` only with both."""
    total = sum(grams.values())
    params: dict[str, Any] = {
        "month": f"{month:%Y-%m}",
        "total_grams": total,
        "previous_grams": previous,
        "change_grams": total - previous,
        "categories": [[c.code, grams[c.code]] for c in CATEGORIES if grams.get(c.code)],
        "badges": badges,
    }
    percent = change_percent(total, previous)
    if percent is not None:
        params["change_percent"] = percent
    place, previous_place = places
    if place is not None:
        params["place"] = place
        if previous_place is not None:
            params["previous_place"] = previous_place
    return params


def post_monthly_reports(month: date, *, batch_size: int = BATCH_SIZE) -> ReportRun:
    """Post the report for the month starting on ``month`` (a first day) to every active
    citizen, ``batch_size`` people per transaction. Safe to run again for the same month."""
    start, end = bounds_utc(month, next_month(month))
    window_start = bounds_utc(previous_month(month), month)[0]
    for closing in (previous_month(month), month):
        close_month(closing)
    active = union(
        select(Reduction.user_id).where(
            Reduction.is_live(), Reduction.occurred_at >= window_start, Reduction.occurred_at < end
        ),
        select(BadgeAward.user_id).where(
            BadgeAward.awarded_at >= start, BadgeAward.awarded_at < end
        ),
    ).subquery()
    after, people, posted, batches = 0, 0, 0, 0
    while True:
        ids = list(
            session().scalars(
                select(User.id)
                .where(
                    User.id.in_(select(active.c.user_id)),
                    User.id > after,
                    User.deleted_at.is_(None),
                    User.is_disabled.is_(False),
                )
                .order_by(User.id)
                .limit(batch_size)
            )
        )
        if not ids:
            return ReportRun(people, posted, batches)
        with transaction():
            notices = _notices(ids, month, start, end, window_start)
            posted += post_many(notices)
        people += len(notices)
        batches += 1
        after = ids[-1]


def _notices(ids: list[int], month: date, start: Any, end: Any, window_start: Any) -> list[Notice]:
    this_month = case((Reduction.occurred_at >= start, True), else_=False)
    grams: defaultdict[int, dict[str, int]] = defaultdict(dict)
    previous: defaultdict[int, int] = defaultdict(int)
    for user_id, category, is_this, total in session().execute(
        select(Reduction.user_id, Methodology.category, this_month, func.sum(Reduction.net_grams))
        .join(Methodology, Methodology.id == Reduction.methodology_id)
        .where(
            Reduction.user_id.in_(ids),
            Reduction.is_live(),
            Reduction.occurred_at >= window_start,
            Reduction.occurred_at < end,
        )
        .group_by(Reduction.user_id, Methodology.category, this_month)
    ):
        if is_this:
            grams[user_id][category] = int(total)
        else:
            previous[user_id] += int(total)
    badges: defaultdict[int, list[list[str]]] = defaultdict(list)
    for user_id, key, tier in session().execute(
        select(BadgeAward.user_id, BadgeAward.badge_key, BadgeAward.tier)
        .where(
            BadgeAward.user_id.in_(ids), BadgeAward.awarded_at >= start, BadgeAward.awarded_at < end
        )
        .order_by(BadgeAward.awarded_at, BadgeAward.id)
    ):
        badges[user_id].append([key, tier])
    places = get_places(month, ids)
    before = get_places(previous_month(month), ids)
    return [
        Notice(
            user_id,
            kinds.MONTHLY_REPORT,
            report_params(
                month,
                grams[user_id],
                previous[user_id],
                badges[user_id],
                (places.get(user_id), before.get(user_id)),
            ),
            report_key(user_id, month),
        )
        for user_id in ids
    ]
