"""Guardian consent (issue 12, item 9): a citizen under 14 cannot redeem or donate until an
adult agrees through the invitation link; every way a link or a guardian can be wrong is
refused and writes nothing; withdrawal blocks the minor again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from portal.accounts import guardians
from portal.accounts.models import AuditEvent, GuardianConsent, GuardianInvitation
from portal.accounts.queries import may_spend_points
from portal.accounts.rules import new_token
from portal.clock import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.mall.models import Voucher
from portal.notifications.models import Notification
from portal.welfare import services as welfare
from tests import factories
from tests.factories.guardians import NOTICE


@pytest.fixture
def offer(db: Any, tmp_path: Path) -> Any:
    merchant, staff = factories.make_merchant()
    return factories.make_published_offer(merchant, staff, tmp_path, inventory=5)


def _count(db: Any, model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def _accept(guardian: Any, token: str, **kwargs: Any) -> GuardianConsent:
    return guardians.accept_invitation(
        guardian_id=guardian.id, token=token, notice_version=NOTICE, **kwargs
    )


def test_a_minor_cannot_redeem_or_donate_until_a_guardian_agrees(db: Any, offer: Any) -> None:
    minor = factories.make_minor(12)
    factories.make_earn(minor.id, 2_000, f"test:earn:{minor.id}")
    project = factories.make_project(factories.make_user(is_admin=True))
    assert not may_spend_points(minor.id)
    with pytest.raises(NotAllowed, match="under 14"):
        factories.make_voucher(minor, offer)
    with pytest.raises(NotAllowed, match="under 14"):
        welfare.donate(
            donor=minor, project_id=project.id, points=10, form_token=factories.form_token()
        )
    assert _count(db, Voucher) == 0

    guardian = factories.make_adult()
    consent = factories.make_consent(minor, guardian)
    assert may_spend_points(minor.id)
    assert factories.make_voucher(minor, offer).user_id == minor.id
    welfare.donate(donor=minor, project_id=project.id, points=10, form_token=factories.form_token())

    assert consent.guardian_id == guardian.id and consent.notice_version == NOTICE
    inbox = select(Notification.kind).where(Notification.user_id == minor.id)
    kinds = set(db.session.scalars(inbox))
    assert "guardian_consented" in kinds
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "guardian.consented"))
    assert audit.actor_id == guardian.id and audit.subject_id == str(minor.id)


def test_adults_and_older_accounts_spend_without_consent(db: Any) -> None:
    assert may_spend_points(factories.make_user().id)  # no birth year on record
    assert may_spend_points(factories.make_minor(14).id)  # surely 14 this year


def test_a_minor_guardian_and_the_minor_themself_are_refused(db: Any) -> None:
    minor = factories.make_minor(10)
    other_child = factories.make_minor(13)
    invited = factories.invite(minor, other_child)
    with pytest.raises(NotAllowed, match="adult"):
        _accept(other_child, invited.token)
    seventeen = factories.make_minor(17)  # born 18 years ago: maybe only 17
    invited = factories.invite(minor, seventeen)
    with pytest.raises(NotAllowed, match="adult"):
        _accept(seventeen, invited.token)
    with pytest.raises(NotAllowed, match="own account"):
        _accept(minor, invited.token)
    assert _count(db, GuardianConsent) == 0 and not may_spend_points(minor.id)


def test_the_guardian_must_hold_the_contact_invited(db: Any) -> None:
    minor, invited_adult, stranger = (
        factories.make_minor(),
        factories.make_adult(),
        factories.make_adult(),
    )
    invited = factories.invite(minor, invited_adult)
    with pytest.raises(NotAllowed, match="another mobile number"):
        _accept(stranger, invited.token)
    assert _accept(invited_adult, invited.token).guardian_id == invited_adult.id


def test_forged_used_replaced_and_expired_links_are_refused(db: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_adult()
    for forged in ("x", new_token(), "../../etc"):
        with pytest.raises(NotFound, match="not valid"):
            _accept(guardian, forged)
    old = factories.invite(minor, guardian)
    new = factories.invite(minor, guardian)
    with pytest.raises(Conflict, match="replaced"):
        _accept(guardian, old.token)
    db.session.execute(
        update(GuardianInvitation)
        .where(GuardianInvitation.id == new.invitation.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    with pytest.raises(Conflict, match="expired"):
        _accept(guardian, new.token)
    fresh = factories.invite(minor, guardian)
    _accept(guardian, fresh.token)
    with pytest.raises(Conflict, match="already been used"):
        _accept(guardian, fresh.token)
    assert _count(db, GuardianConsent) == 1


def test_only_the_digest_of_a_token_is_stored(db: Any) -> None:
    invited = factories.invite(factories.make_minor(), factories.make_adult())
    stored = db.session.get(GuardianInvitation, invited.invitation.id)
    assert stored.token_sha256 != invited.token and len(stored.token_sha256) == 64
    assert invited.token not in str(db.session.scalars(select(AuditEvent.details)).all())


def test_a_guardian_without_a_birth_year_gives_it_on_the_confirmation(db: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_user()
    invited = factories.invite(minor, guardian)
    with pytest.raises(InvalidInput) as missing:
        _accept(guardian, invited.token)
    assert missing.value.field == "birth_year"
    with pytest.raises(InvalidInput, match="future"):
        _accept(guardian, invited.token, birth_year=utcnow().year + 1)
    db.session.refresh(guardian)
    assert guardian.birth_year is None  # the refused confirmation stored nothing
    _accept(guardian, invited.token, birth_year=1980)
    db.session.refresh(guardian)
    assert guardian.birth_year == 1980


def test_invitations_are_for_minors_without_consent_and_a_guardians_contact(db: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_adult()
    with pytest.raises(InvalidInput) as bad:
        guardians.invite_guardian(minor_id=minor.id, contact="12345")
    assert bad.value.field == "contact"
    with pytest.raises(InvalidInput, match="not your own"):
        guardians.invite_guardian(minor_id=minor.id, contact=minor.phone or "")
    with pytest.raises(NotAllowed, match="under 14"):
        guardians.invite_guardian(minor_id=guardian.id, contact="13800000000")
    factories.make_consent(minor, guardian)
    with pytest.raises(Conflict, match="already agreed"):
        factories.invite(minor, guardian)


def test_withdrawal_blocks_the_minor_again_and_tells_them(db: Any, offer: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_adult()
    factories.make_earn(minor.id, 2_000, f"test:earn:{minor.id}")
    consent = factories.make_consent(minor, guardian)
    with pytest.raises(NotFound):
        guardians.withdraw_consent(guardian_id=minor.id, consent_id=consent.id)
    guardians.withdraw_consent(guardian_id=guardian.id, consent_id=consent.id)
    guardians.withdraw_consent(guardian_id=guardian.id, consent_id=consent.id)  # no-op
    db.session.refresh(consent)
    assert consent.ended_at is not None and consent.end_code == "withdrawn"
    assert not may_spend_points(minor.id)
    with pytest.raises(NotAllowed):
        factories.make_voucher(minor, offer)
    ended = db.session.scalars(
        select(Notification.params).where(
            Notification.user_id == minor.id, Notification.kind == "guardian_consent_ended"
        )
    ).all()
    assert ended == [{"reason": "withdrawn"}]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "guardian.withdrawn")
        )
        == 1
    )
    factories.make_consent(minor, guardian)  # a guardian may agree again
    assert may_spend_points(minor.id)
