"""Privacy settings and what public lists show (``may_be_listed``, ``get_public_names``), the
export's new sections, and what an account deletion does to birth year, listing and
guardian consent, from either side."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import AuditEvent, GuardianConsent, GuardianInvitation, User
from portal.accounts.queries import get_public_names, may_be_listed, may_spend_points
from portal.accounts.services import register_user
from portal.accounts.settings import update_privacy_settings
from portal.clock import utcnow
from portal.errors import InvalidInput
from portal.notifications.models import Notification
from portal.privacy.export import iter_export
from portal.privacy.services import delete_account
from tests import factories
from tests.factories.accounts import PASSWORD


def _actions(db: Any, user: User) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_id == str(user.id), AuditEvent.action.like("privacy.%"))
            .order_by(AuditEvent.id)
        )
    )


def test_settings_change_the_alias_and_the_listing_each_audited(db: Any) -> None:
    user = factories.make_adult(display_name="旧名")
    assert not may_be_listed(user)  # off unless opted in
    update_privacy_settings(user.id, alias="  绿色骑手 ", is_publicly_listed=True)
    assert user.display_name == "绿色骑手" and may_be_listed(user)
    update_privacy_settings(user.id, alias="绿色骑手", is_publicly_listed=True)  # the same
    update_privacy_settings(user.id, alias="绿色骑手", is_publicly_listed=False)
    assert _actions(db, user) == [
        "privacy.alias_changed",
        "privacy.listing_changed",
        "privacy.listing_changed",
    ]
    with pytest.raises(InvalidInput) as bad:
        update_privacy_settings(user.id, alias=" ", is_publicly_listed=False)
    assert bad.value.field == "display_name"


def test_a_minor_cannot_opt_in_and_is_never_named(db: Any) -> None:
    minor = factories.make_minor()
    with pytest.raises(InvalidInput) as refused:
        update_privacy_settings(minor.id, alias="小雪", is_publicly_listed=True)
    assert refused.value.field == "is_publicly_listed" and not minor.is_publicly_listed
    factories.make_consent(minor, factories.make_adult())
    minor.is_publicly_listed = True  # set behind the service's back: still not shown
    db.session.commit()
    listed = factories.make_adult(display_name="公开的人", is_publicly_listed=True)
    hidden = factories.make_adult(display_name="不公开的人")
    names = get_public_names([minor.id, listed.id, hidden.id])
    assert names == {minor.id: "Anonymous", listed.id: "公开的人", hidden.id: "Anonymous"}
    assert not may_be_listed(minor)


def test_sign_up_stores_a_sensible_birth_year_only(db: Any) -> None:
    fields = {
        "password": PASSWORD,
        "display_name": "新用户",
        "city_code": "220100",
        "district": None,
        "privacy_notice_version": "2026-11",
    }
    for year in (utcnow().year + 1, 1800):
        with pytest.raises(InvalidInput) as bad:
            register_user(login="13811110000", birth_year=year, **fields)
        assert bad.value.field == "birth_year"
    user = register_user(login="13811110000", birth_year=utcnow().year - 9, **fields)
    assert user.birth_year == utcnow().year - 9 and not may_spend_points(user.id)


def _export(user_id: int) -> dict[str, Any]:
    return dict(json.loads("".join(iter_export(user_id, utcnow()))))


def test_the_export_holds_settings_consents_and_invitations(db: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_adult()
    factories.invite(minor, guardian)
    consent = factories.make_consent(minor, guardian)
    mine = _export(minor.id)
    assert mine["privacy_settings"] == {
        "public_alias": minor.display_name,
        "is_publicly_listed": False,
        "birth_year": minor.birth_year,
    }
    assert [c["role"] for c in mine["guardian_consents"]] == ["minor"]
    assert mine["guardian_consents"][0]["guardian_id"] == guardian.id
    assert len(mine["guardian_invitations"]) == 2
    assert all("token_sha256" not in i for i in mine["guardian_invitations"])
    assert mine["guardian_invitations"][0]["contact"] == guardian.phone
    theirs = _export(guardian.id)
    assert [(c["role"], c["id"]) for c in theirs["guardian_consents"]] == [("guardian", consent.id)]
    assert theirs["guardian_invitations"] == []


def test_deleting_a_minor_ends_their_consent_and_erases_the_invitations(db: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_adult()
    consent = factories.make_consent(minor, guardian)
    delete_account(user_id=minor.id, password=PASSWORD)
    db.session.refresh(consent)
    assert consent.end_code == "minor_account_deleted" and consent.ended_at is not None
    invitations = db.session.scalars(
        select(GuardianInvitation).where(GuardianInvitation.minor_id == minor.id)
    ).all()
    assert [(i.accepted_at is not None, i.contact) for i in invitations] == [(True, None)]
    user = db.session.get(User, minor.id)
    assert user.birth_year is None and not user.is_publicly_listed
    guardian_inbox = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == guardian.id)
    ).all()
    assert "guardian_consent_ended" not in guardian_inbox


def test_deleting_the_guardian_keeps_the_fact_and_tells_the_minor(db: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_adult(is_publicly_listed=True)
    consent = factories.make_consent(minor, guardian)
    delete_account(user_id=guardian.id, password=PASSWORD)
    db.session.refresh(consent)
    assert consent.guardian_id == guardian.id and consent.notice_version == "2026-11"
    assert consent.end_code == "guardian_account_deleted"
    assert not may_spend_points(minor.id)
    kept = db.session.scalar(
        select(GuardianInvitation).where(GuardianInvitation.id == consent.invitation_id)
    )
    assert kept.contact is None and kept.accepted_by_id == guardian.id
    ended = db.session.scalars(
        select(Notification.params).where(
            Notification.user_id == minor.id, Notification.kind == "guardian_consent_ended"
        )
    ).all()
    assert ended == [{"reason": "guardian_account_deleted"}]
    gone = db.session.get(User, guardian.id)
    assert gone.birth_year is None and not gone.is_publicly_listed
    assert get_public_names([guardian.id]) == {guardian.id: "Anonymous"}
    assert db.session.get(GuardianConsent, consent.id) is not None
