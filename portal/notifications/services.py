"""Posting notifications and marking them read.

``post`` is flush-only: a service calls it inside its own ``transaction()``, so the notification
is written together with the event it tells of, or not at all. Marking read is a command of its
own (one transaction each) for the inbox page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, update

from portal.clock import utcnow
from portal.db import insert_or_skip, session, transaction
from portal.errors import NotFound
from portal.notifications.kinds import KINDS
from portal.notifications.models import KEY_MAX_LENGTH, LINK_MAX_LENGTH, Notification

_NOTIFICATIONS = cast(Table, Notification.__table__)


def post(
    user_id: int,
    kind: str,
    params: Mapping[str, Any],
    link: str | None = None,
    *,
    key: str | None = None,
) -> Notification | None:
    """Tell ``user_id`` about an event: ``kind`` is a code of ``portal.notifications.kinds``,
    ``params`` its plain-JSON parameters, ``link`` a site-relative path to what it is about
    (None: the kind's own page). ``key`` (``source:reference``, at most 120 characters) makes it
    idempotent: a key already posted posts nothing and returns None, so a retried job or
    request notifies once. Returns the new notification otherwise.

    Flush-only: runs inside the caller's transaction and never commits, so it is rolled back
    with the event. Any service may call it. ValueError for an unknown kind, parameters that
    are not plain JSON, a link that is not a site path, or a key that is empty or too long.
    """
    values = _checked(user_id, kind, params, link, key)
    db = session()
    if key is None:
        notification = Notification(**values)
        db.add(notification)
        db.flush()
        return notification
    # One statement that skips a taken key, so two racing posts with one key write one row.
    return db.scalar(
        insert_or_skip(Notification, ["idempotency_key"]).values(**values).returning(Notification)
    )


@dataclass(frozen=True)
class Notice:
    """One notification for ``post_many``: the arguments ``post`` takes, its key required."""

    user_id: int
    kind: str
    params: Mapping[str, Any]
    key: str
    link: str | None = None


def post_many(notices: Sequence[Notice]) -> int:
    """``post`` for many keyed notifications at once (a job telling thousands of people): one
    statement compiled once and sent in batches (SQLAlchemy's "insertmanyvalues"), skipping
    keys already posted; returns how many were new. Flush-only, inside the caller's
    transaction, with ``post``'s checks and errors."""
    if not notices:
        return 0
    rows = [_checked(n.user_id, n.kind, n.params, n.link, n.key) for n in notices]
    db = session()
    stmt = insert_or_skip(_NOTIFICATIONS, ["idempotency_key"])
    return len(db.execute(stmt.returning(_NOTIFICATIONS.c.id), rows).all())


def _checked(
    user_id: int, kind: str, params: Mapping[str, Any], link: str | None, key: str | None
) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    try:
        stored = json.loads(json.dumps(dict(params), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"notification params are not plain JSON data: {exc}") from exc
    if link is not None and (
        not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX_LENGTH
    ):
        raise ValueError(f"notification link {link!r} is not a site path")
    if key is not None and (not key.strip() or len(key) > KEY_MAX_LENGTH):
        raise ValueError(f"notification key must be 1 to {KEY_MAX_LENGTH} characters")
    return {
        "user_id": user_id,
        "kind": kind,
        "params": stored,
        "link": link,
        "idempotency_key": key,
        "created_at": utcnow(),
    }


def mark_read(*, user_id: int, notification_id: int) -> Notification:
    """The user has read one of their notifications (again is no change). NotFound for a
    notification of someone else's, the same answer as for none at all."""
    notification = session().get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(_l("No such notification."))
    with transaction():
        if notification.read_at is None:
            notification.read_at = utcnow()
    return notification


def mark_all_read(*, user_id: int) -> int:
    """Every unread notification of the user is read now; returns how many were unread."""
    with transaction() as db:
        result = db.execute(
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
