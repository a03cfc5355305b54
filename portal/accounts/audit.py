"""The audit log: every sensitive action records actor, action, subject, time and details."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import AuditEvent
from portal.db import session


def record_audit(
    action: str,
    *,
    actor_id: int | None,
    subject_type: str | None = None,
    subject_id: int | str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (flushes; the calling service commits).

    ``action`` is a dotted verb such as ``auth.login_failed`` or ``org.create``; ``details``
    must be JSON-serialisable and never hold a password or a full secret.
    """
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        ip=ip,
        details=details or {},
    )
    session().add(event)
    session().flush()
    return event
