"""Reading a user's notifications: the header's unread count and the inbox, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.db import session
from portal.notifications.models import Notification

# The header shows "99+" beyond this; counting stops there, so the count stays cheap however
# many notifications pile up unread.
UNREAD_SHOWN_MAX = 99
PAGE_SIZE = 20


def count_unread(user_id: int) -> int:
    """How many of the user's notifications are unread, at most ``UNREAD_SHOWN_MAX`` + 1 (a
    bounded scan of the partial index of unread rows)."""
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .limit(UNREAD_SHOWN_MAX + 1)
        .subquery()
    )
    return int(session().scalar(select(func.count()).select_from(unread)) or 0)


@dataclass(frozen=True)
class NotificationPage:
    """One page of the inbox; ``older_than`` is the cursor of the next page (None: no more)."""

    items: Sequence[Notification]
    older_than: int | None


def list_notifications(
    user_id: int, older_than: int | None = None, limit: int = PAGE_SIZE
) -> NotificationPage:
    """The user's notifications, newest first, ``limit`` at a time: keyset pagination on id,
    so a page costs the same however deep it is and a new notification shifts nothing."""
    query = select(Notification).where(Notification.user_id == user_id)
    if older_than is not None:
        query = query.where(Notification.id < older_than)
    rows = list(session().scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    items = rows[:limit]
    return NotificationPage(items, items[-1].id if more else None)
