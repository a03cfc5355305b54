"""Merchant applications: a logged-in user applies on behalf of an organisation; an ecology
official or a platform administrator approves (the organisation becomes a merchant, the
applicant its manager, and its points account is opened) or rejects with a reason. Both
decisions are audited; the applicant sees the outcome and the reason on their application page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.accounts.audit import record_audit
from portal.accounts.identity import MOBILE_RE
from portal.accounts.models import MemberRole, Membership, Organisation, OrgKind, Role, User
from portal.clock import utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.ledger.models import AccountKind
from portal.ledger.services import owned_account_id
from portal.merchants import uscc
from portal.merchants.models import (
    ApplicationStatus,
    Merchant,
    MerchantApplication,
    MerchantCategory,
)
from portal.merchants.rules import city_codes, plain_text
from portal.notifications.kinds import MERCHANT_APPLICATION_DECIDED
from portal.notifications.services import post

NOTE_MAX = 2000


@dataclass(frozen=True)
class ApplicationInput:
    name_zh: str
    name_en: str
    unified_credit_code: str
    category: str
    contact_name: str
    contact_phone: str
    city_codes: Iterable[str]


def may_decide_applications(user: User) -> bool:
    """Ecology officials and platform administrators decide merchant applications."""
    return user.has_role(Role.OFFICIAL) or user.has_role(Role.ADMIN)


def _checked(item: ApplicationInput) -> MerchantApplication:
    code = uscc.normalise(item.unified_credit_code or "")
    if not uscc.is_valid(code):
        raise InvalidInput(
            _l(
                "This is not a valid unified social credit code: 18 characters, and the last "
                "must match the check character of the first 17."
            ),
            field="unified_credit_code",
        )
    if item.category not in set(MerchantCategory):
        raise InvalidInput(_l("Choose a category."), field="category")
    phone = "".join((item.contact_phone or "").split())
    if not MOBILE_RE.match(phone):
        raise InvalidInput(_l("Enter a mainland mobile number (11 digits)."), field="contact_phone")
    return MerchantApplication(
        name_zh=plain_text(item.name_zh, "name_zh", 120),
        name_en=plain_text(item.name_en, "name_en", 160),
        unified_credit_code=code,
        category=item.category,
        contact_name=plain_text(item.contact_name, "contact_name", 40),
        contact_phone=phone,
        city_codes=city_codes(item.city_codes, "city_codes", allow_all=False),
    )


def apply_for_merchant(*, actor: User, item: ApplicationInput) -> MerchantApplication:
    """File an application on behalf of an organisation. Any logged-in user may; the code is
    checked by its check character. Refused (Conflict) while an application with the same code
    waits, or once a merchant holds the code."""
    application = _checked(item)
    with transaction() as db:
        code = application.unified_credit_code
        if db.scalar(
            select(MerchantApplication.id).where(
                MerchantApplication.unified_credit_code == code,
                MerchantApplication.status != ApplicationStatus.REJECTED.value,
            )
        ):
            raise Conflict(
                _l("An application with this unified social credit code is waiting or approved."),
                field="unified_credit_code",
            )
        application.applicant_id = actor.id
        db.add(application)
        db.flush()
        record_audit(
            "merchant.applied",
            actor_id=actor.id,
            subject_type="merchant_application",
            subject_id=application.id,
            details={"name_zh": application.name_zh, "code": code},
        )
    return application


def _organisation_for(application: MerchantApplication) -> Organisation:
    """The organisation holding the application's code or name (it must be a merchant, or
    become one), or a new merchant organisation."""
    db = session()
    found = db.scalars(
        select(Organisation).where(
            or_(
                Organisation.unified_credit_code == application.unified_credit_code,
                Organisation.name_zh == application.name_zh,
            )
        )
    ).all()
    if len(found) > 1 or (found and found[0].kind != OrgKind.MERCHANT.value):
        raise Conflict(
            _l("Another organisation already holds this name or unified social credit code.")
        )
    if found:
        org = found[0]
        if org.unified_credit_code not in (None, application.unified_credit_code):
            raise Conflict(_l("This organisation is registered with another credit code."))
        org.unified_credit_code = application.unified_credit_code
        return org
    org = Organisation(
        name_zh=application.name_zh,
        name_en=application.name_en,
        kind=OrgKind.MERCHANT.value,
        city_code=application.city_codes[0],
        unified_credit_code=application.unified_credit_code,
        created_by_id=application.decided_by_id,
    )
    db.add(org)
    return org


def _admit(application: MerchantApplication) -> Merchant:
    """Make the applicant's organisation a merchant with the applicant as its manager, and open
    its points account. Flush-only."""
    db = session()
    org = _organisation_for(application)
    with unless_taken(Conflict(_l("This organisation is already a merchant."))):
        db.flush()
        merchant = Merchant(
            organisation_id=org.id,
            application_id=application.id,
            category=application.category,
            city_codes=application.city_codes,
        )
        db.add(merchant)
        db.flush()
    member = db.scalar(
        select(Membership).where(
            Membership.user_id == application.applicant_id, Membership.organisation_id == org.id
        )
    )
    if member is None:
        db.add(
            Membership(
                user_id=application.applicant_id,
                organisation_id=org.id,
                role=MemberRole.MANAGER.value,
                granted_by_id=application.decided_by_id,
            )
        )
    application.organisation_id = org.id
    owned_account_id(AccountKind.MERCHANT, org.id)
    db.flush()
    return merchant


def decide_application(
    *, actor: User, application_id: int, approve: bool, reason: str, ip: str | None = None
) -> MerchantApplication:
    """Approve or reject a waiting application, with a reason the applicant reads (required to
        reject; optional on an approval). Officials and administrators only; a decided application
        cannot be decided again. Audited as ``merchant.approved`` or ``merchant.rejected``; the
    applicant is notified in the same transaction."""
    if not may_decide_applications(actor):
        raise NotAllowed(_l("Only ecology officials and administrators decide applications."))
    text = (reason or "").strip()
    if text or not approve:
        text = plain_text(text, "reason", NOTE_MAX, multiline=True)
    with transaction() as db:
        application = db.scalar(
            select(MerchantApplication)
            .where(MerchantApplication.id == application_id)
            .with_for_update()
        )
        if application is None:
            raise NotFound(_l("No such application."))
        if application.status != ApplicationStatus.PENDING.value:
            raise Conflict(_l("This application has already been decided."))
        application.status = (
            ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
        ).value
        application.decided_by_id, application.decided_at = actor.id, utcnow()
        application.decision_note = text
        if approve:
            _admit(application)
        record_audit(
            "merchant.approved" if approve else "merchant.rejected",
            actor_id=actor.id,
            subject_type="merchant_application",
            subject_id=application.id,
            ip=ip,
            details={"reason": text, "organisation_id": application.organisation_id},
        )
        post(
            application.applicant_id,
            MERCHANT_APPLICATION_DECIDED,
            {
                "merchant_zh": application.name_zh,
                "merchant_en": application.name_en,
                "is_approved": approve,
                "note": text,
            },
            "/merchant/apply",
            key=f"{MERCHANT_APPLICATION_DECIDED}:{application.id}",
        )
    return application
