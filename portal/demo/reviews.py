"""Demo reviews: the demo ecology official decides two of the demo citizen's flagged records,
approving one and rejecting the other with a reason, so the citizen's inbox shows a read and an
unread notification and the rejected record can be appealed. The other flagged records stay in
the official's queue.

Idempotent: nothing is decided once any of the citizen's records has been reviewed.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.activities.models import BehaviorRecord, RecordStatus
from portal.activities.quantify import quantify_pending
from portal.activities.review import review_record
from portal.db import session
from portal.demo.accounts import DEMO_LOGINS, DemoAccounts, find_user
from portal.notifications.models import Notification
from portal.notifications.services import mark_read

REJECTION = "一次步行不会有这么多步数，无法核实，不予计入。"


def seed_reviews(people: DemoAccounts, *, points_per_kg: int) -> None:
    """Decide the demo citizen's two oldest flagged records, if none is decided yet; the
    approved one is quantified at once and its notification marked read."""
    citizen = people.citizens[0]
    official = find_user(next(d.login for d in DEMO_LOGINS if d.audience == "ecology official"))
    assert official is not None  # seed_accounts made it
    mine = BehaviorRecord.user_id == citizen.id
    if session().scalar(
        select(BehaviorRecord.id).where(mine, BehaviorRecord.reviewed_by_id.is_not(None))
    ):
        return
    flagged = list(
        session().scalars(
            select(BehaviorRecord.id)
            .where(mine, BehaviorRecord.status == RecordStatus.FLAGGED.value)
            .order_by(BehaviorRecord.id)
            .limit(2)
        )
    )
    if len(flagged) < 2:
        return
    review_record(actor=official, record_id=flagged[0], approve=True)
    quantify_pending(points_per_kg=points_per_kg)
    approved = session().scalar(
        select(Notification.id).where(Notification.user_id == citizen.id).order_by(Notification.id)
    )
    assert approved is not None  # review_record posted it
    mark_read(user_id=citizen.id, notification_id=approved)
    review_record(actor=official, record_id=flagged[1], approve=False, reason=REJECTION)
