"""Badge reads: a citizen's badge wall and whether they have awards not yet shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select

from portal.db import session
from portal.gamification.models import BadgeAward
from portal.gamification.progress import is_tracked, list_progress
from portal.gamification.rules import Badge, NextStep, load_badges, next_step


@dataclass(frozen=True)
class BadgeStatus:
    """One badge on a wall: the tiers held with when each was awarded, the highest held (None:
    locked), the next tier and what it still needs (None: all held), and whether anything
    records what it counts yet."""

    badge: Badge
    awarded: dict[str, datetime]
    top_level: str | None
    next: NextStep | None
    is_tracked: bool


def list_badge_wall(user_id: int, today: date) -> list[BadgeStatus]:
    """Every badge for ``user_id``, in data order: earned ones first, then those being worked
    towards, then those nothing records yet. ``today`` is the Asia/Shanghai date (streaks)."""
    held: dict[str, dict[str, datetime]] = {}
    for key, tier, at in session().execute(
        select(BadgeAward.badge_key, BadgeAward.tier, BadgeAward.awarded_at).where(
            BadgeAward.user_id == user_id
        )
    ):
        held.setdefault(key, {})[tier] = at
    progress = list_progress([user_id], today)[user_id]
    wall = []
    for badge in load_badges():
        awarded = held.get(badge.key, {})
        top = next((t.level for t in reversed(badge.tiers) if t.level in awarded), None)
        wall.append(BadgeStatus(badge, awarded, top, next_step(badge, progress), is_tracked(badge)))
    return sorted(wall, key=lambda s: (s.top_level is None, not s.is_tracked))


def has_unseen_awards(user_id: int) -> bool:
    """Whether the citizen holds an award not yet shown in a toast (the partial index)."""
    return bool(
        session().scalar(
            select(exists().where(BadgeAward.user_id == user_id, BadgeAward.seen_at.is_(None)))
        )
    )
