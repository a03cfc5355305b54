"""Posting notifications inside the caller's transaction, idempotently; the unread count, the
inbox's keyset pages, marking read; and the official's review decision telling the citizen."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from portal.activities.intake.checks import FLAG_HOUR
from portal.activities.models import Channel, RecordStatus
from portal.activities.review import appeal_record, review_record
from portal.db import transaction
from portal.errors import Conflict, InvalidInput, NotFound
from portal.notifications import kinds
from portal.notifications.models import Notification
from portal.notifications.queries import UNREAD_SHOWN_MAX, count_unread, list_notifications
from portal.notifications.services import Notice, mark_all_read, mark_read, post, post_many
from tests import factories


def _count(user_id: int) -> int:
    return factories.session().scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user_id)
    )


def test_post_only_flushes_and_rolls_back_with_the_callers_transaction(db: Any) -> None:
    user = factories.make_user()
    with pytest.raises(RuntimeError), transaction():
        notification = post(user.id, kinds.POINTS_EXPIRING, {"points": 5})
        assert notification is not None and notification.id  # flushed: it has its id
        raise RuntimeError("the event failed after posting")
    assert _count(user.id) == 0
    with transaction():
        post(user.id, kinds.POINTS_EXPIRING, {"points": 5})
    assert _count(user.id) == 1


def test_post_never_commits(db: Any) -> None:
    user = factories.make_user()
    db.session.commit()  # the user stays; what follows is one open transaction
    post(user.id, kinds.POINTS_EXPIRING, {"points": 5})
    db.session.rollback()
    assert _count(user.id) == 0


def test_an_idempotency_key_posts_once(db: Any) -> None:
    user = factories.make_user()
    first = post(user.id, kinds.POINTS_EXPIRING, {"points": 5}, key="expiry:2026:1")
    again = post(user.id, kinds.POINTS_EXPIRING, {"points": 6}, key="expiry:2026:1")
    assert first is not None and again is None
    assert _count(user.id) == 1 and first.params == {"points": 5}
    assert post(user.id, kinds.POINTS_EXPIRING, {"points": 5}, key="expiry:2026:2") is not None


@pytest.mark.parametrize(
    ("kind", "params", "link", "key"),
    [
        ("no_such_kind", {}, None, None),
        (kinds.POINTS_EXPIRING, {"points": object()}, None, None),
        (kinds.POINTS_EXPIRING, {"points": float("nan")}, None, None),
        (kinds.POINTS_EXPIRING, {}, "https://evil.example/", None),
        (kinds.POINTS_EXPIRING, {}, "//evil.example/", None),
        (kinds.POINTS_EXPIRING, {}, None, " "),
        (kinds.POINTS_EXPIRING, {}, None, "k" * 121),
    ],
)
def test_post_refuses_what_it_cannot_store(
    db: Any, kind: str, params: dict[str, Any], link: str | None, key: str | None
) -> None:
    user = factories.make_user()
    with pytest.raises(ValueError):
        post(user.id, kind, params, link, key=key)
    assert _count(user.id) == 0


def test_unread_count_is_the_users_own_and_bounded(db: Any) -> None:
    user, other = factories.make_user(), factories.make_user()
    for _ in range(3):
        factories.make_notification(user)
    factories.make_notification(user, is_read=True)
    factories.make_notification(other)
    assert count_unread(user.id) == 3
    for _ in range(UNREAD_SHOWN_MAX):
        factories.make_notification(other)
    assert count_unread(other.id) == UNREAD_SHOWN_MAX + 1  # counting stops past what is shown


def test_the_inbox_pages_newest_first_by_keyset(db: Any) -> None:
    user = factories.make_user()
    made = [factories.make_notification(user).id for _ in range(5)]
    factories.make_notification(factories.make_user())
    first = list_notifications(user.id, limit=2)
    assert [n.id for n in first.items] == made[:-3:-1] and first.older_than == made[3]
    rest = list_notifications(user.id, older_than=first.older_than, limit=2)
    assert [n.id for n in rest.items] == [made[2], made[1]]
    last = list_notifications(user.id, older_than=rest.older_than, limit=2)
    assert [n.id for n in last.items] == [made[0]] and last.older_than is None


def test_mark_read_only_ones_own(db: Any) -> None:
    user, other = factories.make_user(), factories.make_user()
    mine, theirs = factories.make_notification(user), factories.make_notification(other)
    with pytest.raises(NotFound):
        mark_read(user_id=user.id, notification_id=theirs.id)
    with pytest.raises(NotFound):
        mark_read(user_id=user.id, notification_id=theirs.id + 1000)
    assert theirs.read_at is None
    read = mark_read(user_id=user.id, notification_id=mine.id)
    first_read_at = read.read_at
    assert first_read_at is not None and count_unread(user.id) == 0
    assert mark_read(user_id=user.id, notification_id=mine.id).read_at == first_read_at


def test_mark_all_read_leaves_others_alone(db: Any) -> None:
    user, other = factories.make_user(), factories.make_user()
    factories.make_notification(user)
    factories.make_notification(user)
    factories.make_notification(user, is_read=True)
    factories.make_notification(other)
    assert mark_all_read(user_id=user.id) == 2
    assert count_unread(user.id) == 0 and count_unread(other.id) == 1
    assert mark_all_read(user_id=user.id) == 0


def _flagged(methodologies: Any) -> Any:
    citizen = factories.make_user()
    record = factories.make_record(
        citizen,
        methodologies[factories.CYCLING],
        factories.NOW,
        3000,
        channel=Channel.SELF_REPORT,
        status=RecordStatus.FLAGGED,
        flags=[FLAG_HOUR],
    )
    return citizen, record


def _notifications(user_id: int) -> list[Notification]:
    return list(
        factories.session().scalars(select(Notification).where(Notification.user_id == user_id))
    )


def test_a_rejection_tells_the_citizen_once(db: Any, methodologies: Any) -> None:
    citizen, record = _flagged(methodologies)
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    review_record(actor=official, record_id=record.id, approve=False, reason=" 照片模糊 ")
    with pytest.raises(Conflict):  # decided already: nothing more is posted
        review_record(actor=official, record_id=record.id, approve=False, reason="again")
    [told] = _notifications(citizen.id)
    assert told.kind == kinds.RECORD_REJECTED
    assert told.params == {
        "record_id": record.id,
        "methodology_title_zh": methodologies[factories.CYCLING].title_zh,
        "methodology_title_en": methodologies[factories.CYCLING].title_en,
        "occurred_on": "2026-11-20",  # 14:00 in Shanghai
        "note": "照片模糊",
    }
    assert _notifications(official.id) == []


def test_an_appealed_record_approved_tells_the_citizen_again(db: Any, methodologies: Any) -> None:
    citizen, record = _flagged(methodologies)
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    review_record(actor=official, record_id=record.id, approve=False, reason="照片模糊")
    appeal_record(user_id=citizen.id, record_id=record.id, comment="照片是清楚的")
    review_record(actor=official, record_id=record.id, approve=True)
    assert [n.kind for n in _notifications(citizen.id)] == [
        kinds.RECORD_REJECTED,
        kinds.RECORD_APPROVED,
    ]


def test_a_refused_decision_posts_nothing(db: Any, methodologies: Any) -> None:
    citizen, record = _flagged(methodologies)
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    with pytest.raises(InvalidInput):
        review_record(actor=official, record_id=record.id, approve=False, reason="  ")
    assert _notifications(citizen.id) == []


def test_post_many_posts_each_key_once_and_checks_like_post(db: Any) -> None:
    user = factories.make_user()
    params = {"badge": "streak", "tier": "bronze"}
    first = [Notice(user.id, kinds.BADGE_AWARDED, params, key=f"many:{n}") for n in range(3)]
    assert post_many(first) == 3
    again = [*first[1:], Notice(user.id, kinds.BADGE_AWARDED, params, key="many:3")]
    assert post_many(again) == 1 and _count(user.id) == 4
    assert post_many([]) == 0
    with pytest.raises(ValueError, match="unknown notification kind"):
        post_many([Notice(user.id, "nope", {}, key="many:x")])
