"""Deleting an account (PIPL): each consequence, a wrong password, a retry, the phone free to
register again, a credit arriving afterwards, and the ledger still verifying."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from portal.accounts import services as accounts
from portal.accounts.models import AuditEvent, Membership, User
from portal.activities.evidence import evidence_path, store_evidence
from portal.activities.models import AccountLink, BehaviorRecord, Channel, Evidence, RecordStatus
from portal.activities.quantify import quantify_pending
from portal.certificates import services as certificates
from portal.certificates.models import Certificate
from portal.errors import InvalidInput, NotAllowed
from portal.ledger import queries as ledger_queries
from portal.ledger.models import AccountKind, LedgerTransaction
from portal.ledger.services import system_account_id
from portal.ledger.verification import verify
from portal.mall.models import Voucher, VoucherStatus
from portal.notifications.models import Notification
from portal.privacy.queries import get_deletion_preview
from portal.privacy.services import FORFEIT_KIND, delete_account
from portal.welfare.services import donate
from tests import factories
from tests.factories.accounts import PASSWORD

CYCLING = "JLCH-TR-003"
DAY = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def shop(db: Any, tmp_path: Path) -> Any:
    merchant, staff = factories.make_merchant()
    return factories.make_published_offer(merchant, staff, tmp_path, inventory=3)


def _ride(user: User, cycling: Any, status: RecordStatus = RecordStatus.PENDING) -> BehaviorRecord:
    record = factories.make_record(
        user, cycling, DAY, 5000, channel=Channel.SELF_REPORT, status=status
    )
    record.note = "去公司"
    return record


def _reserve_balance() -> int:
    return ledger_queries.account_balance(system_account_id(AccountKind.RESERVE))


def test_deletion_refunds_vouchers_forfeits_the_balance_and_revokes(
    db: Any, shop: Any, tmp_path: Path
) -> None:
    citizen = factories.make_citizen_with_points(1_200, phone="13900001111")
    voucher = factories.make_voucher(citizen, shop)  # 500 points
    cert = factories.make_certificate(citizen)
    reserve_before = _reserve_balance()
    preview = get_deletion_preview(citizen.id)
    assert (preview.balance, preview.refunds, preview.forfeited_points) == (700, 500, 1_200)
    assert (preview.open_vouchers, preview.certificates) == (1, 1)

    done = delete_account(user_id=citizen.id, password=PASSWORD, upload_dir=tmp_path)

    assert (done.forfeited_points, done.vouchers_cancelled, done.certificates_revoked) == (
        1_200,
        1,
        1,
    )
    assert ledger_queries.get_balance(citizen.id) == 0
    assert _reserve_balance() == reserve_before + 1_200
    assert db.session.get(Voucher, voucher.id).status == VoucherStatus.CANCELLED.value
    db.session.refresh(cert)
    assert cert.revoked_reason == "account_deleted" and cert.subject_alias == done.pseudonym
    kinds = db.session.scalars(select(LedgerTransaction.kind).order_by(LedgerTransaction.id))
    assert list(kinds)[-2:] == ["redemption.refund", FORFEIT_KIND]
    assert verify(full=True).ok


def test_personal_data_is_erased_and_the_phone_registers_again(
    db: Any, methodologies: Any, tmp_path: Path
) -> None:
    citizen = factories.make_user(phone="13900002222", district="朝阳区", locale="en")
    org = factories.make_org()
    factories.make_membership(citizen, org)
    factories.link(factories.make_partner([CYCLING]), citizen, "metro-42")
    factories.make_notification(citizen)
    record = _ride(citizen, methodologies[CYCLING], RecordStatus.QUANTIFIED)
    photo = factories.image_bytes()
    evidence, _ = store_evidence(photo, user_id=citizen.id, upload_dir=tmp_path)
    record.evidence_id = evidence.id
    path = evidence_path(tmp_path, evidence.sha256, evidence.content_type)
    version = citizen.session_version
    assert path.exists()

    done = delete_account(user_id=citizen.id, password=PASSWORD, upload_dir=tmp_path)

    user = db.session.get(User, citizen.id)
    assert (user.phone, user.email, user.district, user.locale) == (None, None, None, None)
    assert user.display_name == done.pseudonym and done.pseudonym.startswith("deleted-")
    assert user.deleted_at is not None and user.is_disabled and user.city_code == citizen.city_code
    assert user.session_version == version + 1
    assert not check_password_hash(user.password_hash, PASSWORD)
    assert str(user.public_name) in ("已注销账户", "Deleted account")
    db.session.refresh(record)
    assert (record.note, record.evidence_id, record.quantity_milli) == ("", None, 5000)
    assert record.status == RecordStatus.QUANTIFIED.value  # counted records stay counted
    assert not path.exists() and done.files_removed == 1
    assert db.session.scalar(select(func.count(Evidence.id))) == 0
    for table in (AccountLink, Notification, Membership):
        assert (
            db.session.scalar(
                select(func.count()).select_from(table).where(table.user_id == user.id)
            )
            == 0
        )
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.delete")
    ).one()
    assert event.details["pseudonym"] == done.pseudonym and "13900002222" not in str(event.details)
    with pytest.raises(NotAllowed):
        accounts.authenticate("13900002222", PASSWORD)
    again = factories.make_user(phone="13900002222")
    assert again.id != citizen.id


def test_a_photo_another_upload_shares_stays(db: Any, tmp_path: Path) -> None:
    citizen, other = factories.make_user(), factories.make_user()
    photo = factories.image_bytes()
    mine, _ = store_evidence(photo, user_id=citizen.id, upload_dir=tmp_path)
    store_evidence(photo, user_id=other.id, upload_dir=tmp_path)
    path = evidence_path(tmp_path, mine.sha256, mine.content_type)
    done = delete_account(user_id=citizen.id, password=PASSWORD, upload_dir=tmp_path)
    assert done.files_removed == 0
    assert path.exists()


def test_a_wrong_password_changes_nothing(db: Any, shop: Any) -> None:
    citizen = factories.make_citizen_with_points(800)
    factories.make_voucher(citizen, shop)
    with pytest.raises(InvalidInput) as refused:
        delete_account(user_id=citizen.id, password="not-my-password-1")
    assert refused.value.field == "password"
    user = db.session.get(User, citizen.id)
    assert user.deleted_at is None and user.phone is not None
    assert ledger_queries.get_balance(citizen.id) == 300
    assert db.session.scalar(select(Voucher.status)) == VoucherStatus.UNUSED.value


def test_a_retry_changes_nothing_and_posts_once(db: Any) -> None:
    citizen = factories.make_citizen_with_points(300)
    first = delete_account(user_id=citizen.id, password=PASSWORD)
    second = delete_account(user_id=citizen.id, password=PASSWORD)
    assert second.already and second.pseudonym == first.pseudonym
    forfeits = db.session.scalar(select(func.count()).where(LedgerTransaction.kind == FORFEIT_KIND))
    assert forfeits == 1 and _reserve_balance() >= 300
    assert verify(full=True).ok


def test_waiting_records_are_rejected_and_never_credited(db: Any, methodologies: Any) -> None:
    citizen = factories.make_user()
    cycling = methodologies[CYCLING]
    pending, flagged = _ride(citizen, cycling), _ride(citizen, cycling, RecordStatus.FLAGGED)
    done = delete_account(user_id=citizen.id, password=PASSWORD)
    assert done.records_closed == 2
    for record in (pending, flagged):
        db.session.refresh(record)
        assert (record.status, record.review_code) == ("rejected", "account_deleted")
    quantify_pending(points_per_kg=1000)
    assert ledger_queries.get_balance(citizen.id) == 0


def test_a_record_arriving_after_deletion_is_rejected_by_the_quantify_job(
    db: Any, methodologies: Any
) -> None:
    """A record inserted after the deletion (an intake request in flight) is claimed by the
    job, which rejects it instead of crediting: no point ever reaches a deleted account, so
    nothing needs forfeiting afterwards and the account's balance stays 0."""
    citizen, other = factories.make_user(), factories.make_user()
    cycling = methodologies[CYCLING]
    delete_account(user_id=citizen.id, password=PASSWORD)
    late = _ride(citizen, cycling)
    _ride(other, cycling)
    report = quantify_pending(points_per_kg=1000)
    assert (report.quantified, report.rejected) == (1, 1)
    db.session.refresh(late)
    assert (late.status, late.review_code) == ("rejected", "account_deleted")
    assert ledger_queries.get_balance(citizen.id) == 0
    assert ledger_queries.get_balance(other.id) > 0


def test_milestones_are_not_issued_to_a_deleted_account(db: Any) -> None:
    citizen = factories.make_user()
    delete_account(user_id=citizen.id, password=PASSWORD)
    factories.add_reduction(citizen, 20_000)
    assert certificates.issue_milestone_certificates() == 0
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_donation_before_deletion_is_kept_and_its_certificate_revoked(db: Any) -> None:
    operator = factories.make_user(is_admin=True)
    project = factories.make_project(operator)
    citizen = factories.make_citizen_with_points(500)
    donation = donate(
        donor=citizen, project_id=project.id, points=200, form_token=factories.form_token()
    )
    done = delete_account(user_id=citizen.id, password=PASSWORD)
    assert done.forfeited_points == 300 and done.certificates_revoked == 1
    cert = db.session.scalars(
        select(Certificate).where(Certificate.code == donation.certificate_code)
    ).one()
    assert cert.is_revoked and cert.subject_alias == done.pseudonym
    assert verify(full=True).ok
