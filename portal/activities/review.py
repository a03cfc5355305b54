"""Ecology officials' review of flagged records, and citizens' appeals of a rejection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, or_, select

from portal.accounts.audit import record_audit
from portal.accounts.models import Role, User
from portal.activities.models import BehaviorRecord, Evidence, RecordStatus
from portal.activities.reasons import official_decision
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound

# Why an official read a citizen's data, as stored in the audit log and shown to the citizen.
REVIEW_PURPOSE = "flag review"


def review_record(
    *, actor: User, record_id: int, approve: bool, reason: str = ""
) -> BehaviorRecord:
    """An ecology official decides a flagged record: approve (it is quantified next) or reject
    with a reason the citizen sees. Officials only; a decided record cannot be decided again."""
    if not actor.has_role(Role.OFFICIAL):
        raise NotAllowed(_l("Only ecology officials review flagged records."))
    if not approve and not reason.strip():
        raise InvalidInput(_l("Give the citizen a reason for the rejection."), field="reason")
    with transaction() as db:
        record = db.scalar(
            select(BehaviorRecord).where(BehaviorRecord.id == record_id).with_for_update()
        )
        if record is None:
            raise NotFound(_l("No such record."))
        if record.status != RecordStatus.FLAGGED:
            raise Conflict(_l("This record is not waiting for review."))
        record.status = (RecordStatus.PENDING if approve else RecordStatus.REJECTED).value
        record.reviewed_by_id, record.reviewed_at = actor.id, utcnow()
        note = reason.strip()[:2000]
        record.review_code, record.review_params = official_decision(note)
        record_audit(
            "record.approved" if approve else "record.rejected",
            actor_id=actor.id,
            subject_type="behavior_record",
            subject_id=record.id,
            details={"reason": note, "flags": record.flags},
        )
    return record


def appeal_record(*, user_id: int, record_id: int, comment: str) -> BehaviorRecord:
    """The citizen appeals a rejection once, with a comment; the record returns to the queue."""
    text = comment.strip()
    if not 5 <= len(text) <= 1000:
        raise InvalidInput(_l("Explain your appeal in 5 to 1,000 characters."), field="comment")
    with transaction() as db:
        record = db.scalar(
            select(BehaviorRecord).where(BehaviorRecord.id == record_id).with_for_update()
        )
        if record is None or record.user_id != user_id:
            raise NotFound(_l("No such record."))
        if record.status != RecordStatus.REJECTED or record.reviewed_by_id is None:
            raise Conflict(_l("Only a record rejected by an official can be appealed."))
        if record.appealed_at is not None:
            raise Conflict(_l("A record can be appealed only once."))
        record.appeal_comment, record.appealed_at = text, utcnow()
        record.status = RecordStatus.FLAGGED.value
        record_audit(
            "record.appealed",
            actor_id=user_id,
            subject_type="behavior_record",
            subject_id=record.id,
        )
    return record


def open_for_review(*, actor: User, record_id: int, ip: str | None = None) -> BehaviorRecord:
    """An official opens a record (with the citizen's personal data) for review; the read is
    written to the audit log, which the citizen can see. Officials only."""
    if not actor.has_role(Role.OFFICIAL):
        raise NotAllowed(_l("Only ecology officials review flagged records."))
    with transaction() as db:
        record = db.get(BehaviorRecord, record_id)
        if record is None:
            raise NotFound(_l("No such record."))
        # The citizen is the subject, so their "who viewed my data" page finds every read.
        record_audit(
            "personal_data.read",
            actor_id=actor.id,
            subject_type="user",
            subject_id=record.user_id,
            ip=ip,
            details={"record_id": record.id, "read": "record", "purpose": REVIEW_PURPOSE},
        )
    return record


def in_or_through_review() -> ColumnElement[bool]:
    """The records an official has reason to look at: waiting for review now (``flagged``:
    flagged by the intake checks, or appealed) or decided by an official before (approved, so
    ``pending`` or ``quantified`` now, or ``rejected``), which ``reviewed_by_id`` tells. A
    record never flagged, or flagged and then superseded before anyone decided it, is not."""
    return or_(
        BehaviorRecord.status == RecordStatus.FLAGGED.value,
        BehaviorRecord.reviewed_by_id.is_not(None),
    )


def open_evidence_for_review(*, actor: User, evidence_id: int, ip: str | None = None) -> Evidence:
    """An official opens the photo of a record in or through review; the read is written to
    the audit log with the record and the photo, and the citizen sees it. Officials only;
    NotFound for a photo of no such record (the same answer as for no photo at all)."""
    if not actor.has_role(Role.OFFICIAL):
        raise NotAllowed(_l("Only ecology officials review flagged records."))
    with transaction() as db:
        found = db.execute(
            select(Evidence, BehaviorRecord.id, BehaviorRecord.user_id)
            .join(BehaviorRecord, BehaviorRecord.evidence_id == Evidence.id)
            .where(Evidence.id == evidence_id, in_or_through_review())
            .order_by(BehaviorRecord.id)
            .limit(1)
        ).first()
        if found is None:
            raise NotFound(_l("No such photo."))
        evidence, record_id, user_id = found
        record_audit(
            "personal_data.read",
            actor_id=actor.id,
            subject_type="user",
            subject_id=user_id,
            ip=ip,
            details={
                "record_id": record_id,
                "evidence_id": evidence.id,
                "read": "evidence_photo",
                "purpose": REVIEW_PURPOSE,
            },
        )
    return evidence
