"""Merchant applications and offers: the services' rules, permissions, audit and history."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import AuditEvent, Membership, Organisation, OrgKind, Role
from portal.clock import SHANGHAI, utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.ledger.models import AccountKind, LedgerAccount
from portal.merchants.applications import ApplicationInput, apply_for_merchant, decide_application
from portal.merchants.images import image_path
from portal.merchants.models import Merchant, Offer, OfferImage, OfferRevision
from portal.merchants.offers import create_offer, move_offer, revise_offer
from portal.merchants.queries import get_visible_image, list_revisions
from portal.notifications.models import Notification
from tests import factories


def _application(**fields: Any) -> ApplicationInput:
    values: dict[str, Any] = {
        "name_zh": "松花江绿色餐厅",
        "name_en": "Songhua River Green Restaurant",
        "unified_credit_code": factories.VALID_USCC[1],
        "category": "catering",
        "contact_name": "李经理",
        "contact_phone": "139 0000 1234",
        "city_codes": ["220200", "220100"],
    }
    values.update(fields)
    return ApplicationInput(**values)


def _actions(db: Any, subject_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_id == str(subject_id))
            .order_by(AuditEvent.id)
        )
    )


def test_approval_makes_a_merchant_with_its_account(db: Any) -> None:
    applicant = factories.make_user()
    official = factories.make_user_with_role(Role.OFFICIAL)
    application = apply_for_merchant(actor=applicant, item=_application())
    assert application.city_codes == ["220100", "220200"]  # in the regions table's order
    assert application.contact_phone == "13900001234"
    decided = decide_application(
        actor=official, application_id=application.id, approve=True, reason=""
    )
    org = db.session.get(Organisation, decided.organisation_id)
    assert org.kind == OrgKind.MERCHANT and org.unified_credit_code == factories.VALID_USCC[1]
    merchant = db.session.scalar(select(Merchant).where(Merchant.organisation_id == org.id))
    assert merchant.category == "catering"
    member = db.session.scalar(select(Membership).where(Membership.user_id == applicant.id))
    assert member.organisation_id == org.id and member.role == "manager"
    account = db.session.scalar(
        select(LedgerAccount).where(
            LedgerAccount.kind == AccountKind.MERCHANT.value, LedgerAccount.owner_id == org.id
        )
    )
    assert account is not None and account.balance == 0
    assert _actions(db, application.id) == ["merchant.applied", "merchant.approved"]
    db.session.refresh(applicant)
    assert applicant.has_role(Role.MERCHANT)


def test_rejection_needs_a_reason_and_is_final(db: Any) -> None:
    official = factories.make_user_with_role(Role.ADMIN)
    application = apply_for_merchant(actor=factories.make_user(), item=_application())
    with pytest.raises(InvalidInput) as refused:
        decide_application(actor=official, application_id=application.id, approve=False, reason=" ")
    assert refused.value.field == "reason"
    decide_application(
        actor=official, application_id=application.id, approve=False, reason="营业执照照片不清晰"
    )
    assert application.status == "rejected" and application.decision_note == "营业执照照片不清晰"
    assert application.organisation_id is None
    assert _actions(db, application.id)[-1] == "merchant.rejected"
    with pytest.raises(Conflict):
        decide_application(actor=official, application_id=application.id, approve=True, reason="")
    # Rejected: the same code may apply again.
    apply_for_merchant(actor=factories.make_user(), item=_application())


def test_the_applicant_is_notified_of_the_decision(db: Any) -> None:
    official = factories.make_user_with_role(Role.OFFICIAL)
    applicant = factories.make_user()
    application = apply_for_merchant(actor=applicant, item=_application())
    decide_application(
        actor=official, application_id=application.id, approve=False, reason="营业执照照片不清晰"
    )
    inbox = db.session.execute(
        select(Notification.kind, Notification.params, Notification.link).where(
            Notification.user_id == applicant.id
        )
    ).all()
    assert inbox == [
        (
            "merchant_application_decided",
            {
                "merchant_zh": "松花江绿色餐厅",
                "merchant_en": "Songhua River Green Restaurant",
                "is_approved": False,
                "note": "营业执照照片不清晰",
            },
            "/merchant/apply",
        )
    ]


def test_only_officials_and_admins_decide(db: Any) -> None:
    application = apply_for_merchant(actor=factories.make_user(), item=_application())
    for role in (Role.CITIZEN, Role.MERCHANT, Role.BUYER):
        with pytest.raises(NotAllowed):
            decide_application(
                actor=factories.make_user_with_role(role),
                application_id=application.id,
                approve=True,
                reason="",
            )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"unified_credit_code": "91350100M000100Y44"}, "unified_credit_code"),  # check char
        ({"unified_credit_code": "91350100M000100Y4"}, "unified_credit_code"),  # 17 chars
        ({"unified_credit_code": "hello"}, "unified_credit_code"),
        ({"category": "casino"}, "category"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"city_codes": []}, "city_codes"),
        ({"city_codes": ["110000"]}, "city_codes"),
        ({"name_zh": "  "}, "name_zh"),
        ({"name_en": "a\u202eb"}, "name_en"),
    ],
)
def test_bad_applications_are_refused(db: Any, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        apply_for_merchant(actor=factories.make_user(), item=_application(**fields))
    assert refused.value.field == field


def test_a_code_waiting_cannot_apply_twice(db: Any) -> None:
    apply_for_merchant(actor=factories.make_user(), item=_application())
    with pytest.raises(Conflict):
        apply_for_merchant(
            actor=factories.make_user(),
            item=_application(unified_credit_code=factories.VALID_USCC[1].lower()),
        )


def test_approval_joins_an_existing_merchant_organisation(db: Any) -> None:
    org = factories.make_org(kind=OrgKind.MERCHANT, name_zh="松花江绿色餐厅")
    application = apply_for_merchant(actor=factories.make_user(), item=_application())
    official = factories.make_user_with_role(Role.OFFICIAL)
    decide_application(actor=official, application_id=application.id, approve=True, reason="")
    assert application.organisation_id == org.id


def test_approval_refuses_an_organisation_of_another_kind(db: Any) -> None:
    factories.make_org(kind=OrgKind.BANK, name_zh="松花江绿色餐厅")
    application = apply_for_merchant(actor=factories.make_user(), item=_application())
    official = factories.make_user_with_role(Role.OFFICIAL)
    with pytest.raises(Conflict):
        decide_application(actor=official, application_id=application.id, approve=True, reason="")
    assert db.session.get(type(application), application.id).status == "pending"


def _revise(
    staff: Any, offer: Any, upload_dir: Path, *, seen: tuple[int, int], **terms: Any
) -> Any:
    """An edit of ``offer`` opened on revision and stock ``seen``, with the factory's terms."""
    return revise_offer(
        actor=staff,
        offer_id=offer.id,
        terms=factories.offer_terms(**terms),
        seen_revision=seen[0],
        seen_inventory=seen[1],
        image=None,
        upload_dir=upload_dir,
    )


# Offers


def test_an_offer_is_created_as_a_draft_with_thumbnails(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_offer(merchant, staff, tmp_path, city_codes=["220200", "220100"])
    assert offer.status == "draft" and offer.inventory == 10
    revision = db.session.get(OfferRevision, offer.current_revision_id)
    assert revision.number == 1 and revision.city_codes == ["220100", "220200"]
    image = db.session.get(OfferImage, revision.image_id)
    for width in (400, 1200):
        with Image.open(image_path(tmp_path, image.sha256, width)) as thumb:
            assert thumb.format == "WEBP"
            assert thumb.width == min(width, 640)  # never wider than the upload
    assert get_visible_image(image.id, None) is None  # a draft's image is not public
    assert get_visible_image(image.id, staff.id) is image


def test_image_metadata_is_stripped(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x8825] = {2: (43.0, 52.0, 0.0)}  # GPS latitude
    upload = factories.image_bytes("JPEG", exif=exif.tobytes())
    offer = create_offer(
        actor=staff,
        merchant_id=merchant.id,
        kind="discount",
        terms=factories.offer_terms(),
        image=upload,
        upload_dir=tmp_path,
    )
    revision = db.session.get(OfferRevision, offer.current_revision_id)
    image = db.session.get(OfferImage, revision.image_id)
    stored = image_path(tmp_path, image.sha256, 1200).read_bytes()
    assert b"SecretCamera" not in stored
    with Image.open(io.BytesIO(stored)) as thumb:
        assert not thumb.getexif() and "exif" not in thumb.info and "xmp" not in thumb.info


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"%PDF-1.4 not an image", "not a JPEG, PNG or WebP"),
        (b"", "empty"),
        (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "larger than 5 MB"),
        (factories.image_bytes("GIF"), "not a JPEG, PNG or WebP"),
        (factories.image_bytes(size=(20, 20)), "too small"),
        (factories.image_bytes("PNG", size=(8000, 6000)), "too many pixels"),
    ],
    ids=["pdf", "empty", "over-5-MB", "gif", "tiny", "huge-pixels"],
)
def test_bad_images_are_refused(db: Any, tmp_path: Path, upload: bytes, message: str) -> None:
    merchant, staff = factories.make_merchant()
    with pytest.raises(InvalidInput, match=message) as refused:
        create_offer(
            actor=staff,
            merchant_id=merchant.id,
            kind="coupon",
            terms=factories.offer_terms(),
            image=upload,
            upload_dir=tmp_path,
        )
    assert refused.value.field == "image"
    assert db.session.scalar(select(OfferImage.id)) is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"points_cost": 0}, "points_cost"),
        ({"points_cost": -5}, "points_cost"),
        ({"points_cost": 1.5}, "points_cost"),
        ({"points_cost": 10**12}, "points_cost"),
        ({"points_cost": "100"}, "points_cost"),
        ({"points_cost": True}, "points_cost"),
        ({"inventory": -1}, "inventory"),
        ({"inventory": 2.5}, "inventory"),
        ({"inventory": 10**9}, "inventory"),
        ({"per_person_limit": 0}, "per_person_limit"),
        ({"city_codes": ["999999"]}, "city_codes"),
        ({"title_en": ""}, "title_en"),
        ({"terms_zh": "x" * 2001}, "terms_zh"),
    ],
)
def test_bad_terms_are_refused(db: Any, tmp_path: Path, fields: dict[str, Any], field: str) -> None:
    merchant, staff = factories.make_merchant()
    with pytest.raises(InvalidInput) as refused:
        factories.make_offer(merchant, staff, tmp_path, **fields)
    assert refused.value.field == field


def test_the_window_must_be_ordered_and_not_over(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    now = utcnow().astimezone(SHANGHAI)
    for start, end in ((now, now), (now + timedelta(days=2), now + timedelta(days=1))):
        with pytest.raises(InvalidInput, match="end after it starts"):
            factories.make_offer(merchant, staff, tmp_path, valid_from=start, valid_until=end)
    with pytest.raises(InvalidInput, match="future"):
        factories.make_offer(
            merchant,
            staff,
            tmp_path,
            valid_from=now - timedelta(days=3),
            valid_until=now - timedelta(days=1),
        )


def test_staff_of_another_merchant_find_nothing(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    _other, stranger = factories.make_merchant()
    offer = factories.make_offer(merchant, staff, tmp_path)
    with pytest.raises(NotFound):
        factories.make_offer(merchant, stranger, tmp_path)
    with pytest.raises(NotFound):
        move_offer(actor=stranger, offer_id=offer.id, move="publish")
    with pytest.raises(NotFound):
        _revise(stranger, offer, tmp_path, seen=(1, 10))
    assert offer.status == "draft"


def test_publish_pause_and_publish_again(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_offer(merchant, staff, tmp_path)
    with pytest.raises(Conflict):
        move_offer(actor=staff, offer_id=offer.id, move="pause")  # a draft is not published
    assert move_offer(actor=staff, offer_id=offer.id, move="publish").status == "published"
    image_id = db.session.get(OfferRevision, offer.current_revision_id).image_id
    assert get_visible_image(image_id, None) is not None  # published: public
    with pytest.raises(Conflict):
        move_offer(actor=staff, offer_id=offer.id, move="publish")
    assert move_offer(actor=staff, offer_id=offer.id, move="pause").status == "paused"
    assert get_visible_image(image_id, None) is None
    assert move_offer(actor=staff, offer_id=offer.id, move="publish").status == "published"
    assert _actions(db, offer.id) == [
        "offer.created",
        "offer.published",
        "offer.paused",
        "offer.published",
    ]


def test_an_edit_adds_a_revision_and_keeps_the_old_price(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_offer(merchant, staff, tmp_path)
    move_offer(actor=staff, offer_id=offer.id, move="publish")
    first = db.session.get(OfferRevision, offer.current_revision_id)
    offer.inventory = 7  # the mall has taken three units meanwhile
    db.session.commit()
    second = _revise(staff, offer, tmp_path, seen=(1, 10), points_cost=800, inventory=15)
    assert second.number == 2 and second.points_cost == 800 and second.image_id == first.image_id
    assert offer.current_revision_id == second.id and offer.status == "published"
    assert offer.inventory == 12 and second.inventory == 12  # 7 left + 5 added
    db.session.expire_all()
    assert db.session.get(OfferRevision, first.id).points_cost == 500  # what vouchers name
    assert [r.number for r in list_revisions(offer.id)] == [2, 1]
    with pytest.raises(Conflict, match="edited this offer meanwhile"):
        _revise(staff, offer, tmp_path, seen=(1, 12))


def test_an_edit_cannot_take_more_units_than_are_left(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_offer(merchant, staff, tmp_path, inventory=3)
    offer.inventory = 1
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        _revise(staff, offer, tmp_path, seen=(1, 3), inventory=0)  # the editor removes 3
    assert refused.value.field == "inventory"
    assert offer.inventory == 1 and len(list_revisions(offer.id)) == 1


def test_inventory_cannot_go_negative_in_the_database(db: Any, tmp_path: Path) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_offer(merchant, staff, tmp_path, inventory=1)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(update(Offer).where(Offer.id == offer.id).values(inventory=-1))
