"""Notifications: one posted to a user (a rejected record unless told otherwise), read or not."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import User
from portal.clock import utcnow
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.notifications.services import post

REJECTED_PARAMS = {
    "record_id": 1,
    "methodology_title_zh": "骑行",
    "methodology_title_en": "Cycling",
    "occurred_on": "2026-11-19",
    "note": "照片模糊",
}


def make_notification(
    user: User,
    kind: str = kinds.RECORD_REJECTED,
    params: dict[str, Any] | None = None,
    *,
    is_read: bool = False,
    **fields: Any,
) -> Notification:
    notification = post(user.id, kind, REJECTED_PARAMS if params is None else params, **fields)
    assert notification is not None
    if is_read:
        notification.read_at = utcnow()
    return notification
