"""Ecology officials' review of flagged records, and citizens' appeals of a rejection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Row, Select, or_, select
from sqlalchemy.orm import aliased

from portal.accounts.audit import record_audit
from portal.accounts.models import AuditEvent, Role, User
from portal.activities.intake.checks import FLAG_EVIDENCE, FLAG_OVERLAP
from portal.activities.intake.same_act import list_overlapping_trips, record_trip, transport_ids
from portal.activities.models import BehaviorRecord, Evidence, Partner, RecordStatus
from portal.activities.reasons import official_decision
from portal.clock import SHANGHAI, utcnow
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.methodology.models import Methodology
from portal.methodology.queries import FiledVersions
from portal.notifications import kinds
from portal.notifications import services as notifications
from portal.pagination import paginate

# The audit actions of an official's decision, by outcome (the decided list's filter).
DECISION_ACTIONS = {"approved": "record.approved", "rejected": "record.rejected"}
# How many conflicting records of each kind the review page lists.
CONFLICTS_SHOWN = 10

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
        decision = record_audit(
            "record.approved" if approve else "record.rejected",
            actor_id=actor.id,
            subject_type="behavior_record",
            subject_id=record.id,
            details={"reason": note, "flags": record.flags},
        )
        _notify_decision(record, approve, decision.id)
    return record


def _notify_decision(record: BehaviorRecord, approve: bool, decision_id: int) -> None:
    """Tell the citizen of an official's decision, in the decision's transaction; keyed by the
    decision's audit event (an appealed record is decided twice, and told twice)."""
    methodology = session().get(Methodology, record.methodology_id)
    assert methodology is not None  # a foreign key
    notifications.post(
        record.user_id,
        kinds.RECORD_APPROVED if approve else kinds.RECORD_REJECTED,
        {
            "record_id": record.id,
            "methodology_title_zh": methodology.title_zh,
            "methodology_title_en": methodology.title_en,
            "occurred_on": record.occurred_at.astimezone(SHANGHAI).date().isoformat(),
            "note": record.review_params.get("note", ""),
        },
        key=f"record.review:{decision_id}",
    )


@dataclass(frozen=True)
class DecidedReview:
    """One official decision on a flagged record, from the audit log (a record appealed and
    decided again has two): who, when, the outcome and the reason as the official wrote it."""

    record: BehaviorRecord
    methodology: Methodology
    decided_by: str
    decided_at: datetime
    outcome: str  # a key of DECISION_ACTIONS
    reason: str


def list_decided_reviews(outcome: str = "", page: int = 1) -> Pagination:
    """Officials' decisions, newest first; ``outcome`` "approved" or "rejected" keeps only
    those (anything else: all). Items are ``DecidedReview``. For the officials' history."""
    keys = [outcome] if outcome in DECISION_ACTIONS else list(DECISION_ACTIONS)
    pagination = paginate(
        select(AuditEvent)
        .where(AuditEvent.action.in_([DECISION_ACTIONS[key] for key in keys]))
        .order_by(AuditEvent.id.desc()),
        page,
    )
    events: list[AuditEvent] = list(pagination.items)
    ids = {int(event.subject_id or 0) for event in events}
    rows = session().execute(
        select(BehaviorRecord, Methodology)
        .join(Methodology, BehaviorRecord.methodology_id == Methodology.id)
        .where(BehaviorRecord.id.in_(ids))
    )
    found = {record.id: (record, methodology) for record, methodology in rows}
    outcomes = {action: key for key, action in DECISION_ACTIONS.items()}
    pagination.items = [
        DecidedReview(
            *found[int(event.subject_id or 0)],
            decided_by=event.actor.display_name if event.actor else "",
            decided_at=event.occurred_at,
            outcome=outcomes[event.action],
            reason=str(event.details.get("reason", "")),
        )
        for event in events
        if int(event.subject_id or 0) in found
    ]
    return pagination


@dataclass(frozen=True)
class ConflictingRecord:
    """A record a flag points at: the other trip of an overlap, or an earlier record with the
    same photo. ``is_same_citizen`` is false for another citizen's record, whom the page does
    not name."""

    record: BehaviorRecord
    methodology: Methodology
    partner_name: str | None
    is_same_citizen: bool


@dataclass(frozen=True)
class Conflicts:
    overlapping: list[ConflictingRecord]
    same_photo: list[ConflictingRecord]


def list_conflicts(record: BehaviorRecord) -> Conflicts:
    """The records behind ``record``'s overlap and duplicate-photo flags, oldest first (at
    most ``CONFLICTS_SHOWN`` of each), whatever their status now. For the review page."""
    overlapping: list[ConflictingRecord] = []
    same_photo: list[ConflictingRecord] = []
    if FLAG_OVERLAP in record.flags:
        versions = FiledVersions()
        versions.load([record.methodology_id])
        trips = list_overlapping_trips(
            record.user_id,
            record_trip(record, versions),
            transport_ids(),
            versions,
            other_than=frozenset({record.id}),
        )
        overlapping = _conflicting(record, BehaviorRecord.id.in_([trip.id for trip in trips]))
    if FLAG_EVIDENCE in record.flags and record.evidence_id is not None:
        photo = select(Evidence.sha256).where(Evidence.id == record.evidence_id)
        same_photo = _conflicting(
            record,
            BehaviorRecord.evidence_id.in_(
                select(Evidence.id).where(Evidence.sha256 == photo.scalar_subquery())
            ),
            BehaviorRecord.id < record.id,
        )
    return Conflicts(overlapping, same_photo)


def _conflicting(record: BehaviorRecord, *where: Any) -> list[ConflictingRecord]:
    rows = session().execute(
        select(BehaviorRecord, Methodology, Partner.name)
        .join(Methodology, BehaviorRecord.methodology_id == Methodology.id)
        .outerjoin(Partner, BehaviorRecord.partner_id == Partner.id)
        .where(BehaviorRecord.id != record.id, *where)
        .order_by(BehaviorRecord.occurred_at, BehaviorRecord.id)
        .limit(CONFLICTS_SHOWN)
    )
    return [
        ConflictingRecord(other, methodology, partner, other.user_id == record.user_id)
        for other, methodology, partner in rows
    ]


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


def _photos_in_review(evidence_id: int) -> Select[str]:
    """The fingerprint of this photo if a record in or through review carries the same image:
    a duplicate-photo flag shows the official the earlier record's copy beside it."""
    reviewed_photo = aliased(Evidence)
    return (
        select(reviewed_photo.sha256)
        .join(BehaviorRecord, BehaviorRecord.evidence_id == reviewed_photo.id)
        .where(
            reviewed_photo.sha256
            == select(Evidence.sha256).where(Evidence.id == evidence_id).scalar_subquery(),
            in_or_through_review(),
        )
    )


def open_evidence_for_review(*, actor: User, evidence_id: int, ip: str | None = None) -> Evidence:
    """An official opens the photo of a record in or through review (or the same image on an
    earlier record, which a duplicate-photo flag shows beside it); the read is written to
    the audit log with the record and the photo, and the citizen sees it. Officials only;
    NotFound for a photo of no such record (the same answer as for no photo at all)."""
    if not actor.has_role(Role.OFFICIAL):
        raise NotAllowed(_l("Only ecology officials review flagged records."))
    with transaction() as db:
        found = db.execute(
            select(Evidence, BehaviorRecord.id, BehaviorRecord.user_id)
            .join(BehaviorRecord, BehaviorRecord.evidence_id == Evidence.id)
            .where(
                Evidence.id == evidence_id,
                or_(in_or_through_review(), Evidence.sha256.in_(_photos_in_review(evidence_id))),
            )
            .order_by(BehaviorRecord.id)
            .limit(1)
        ).first()
        evidence = audit_photo_read(found, actor_id=actor.id, ip=ip, purpose=REVIEW_PURPOSE)
    return evidence


def audit_photo_read(
    found: Row[Evidence, int, int] | None,
    *,
    actor_id: int,
    ip: str | None,
    purpose: str | None = None,
) -> Evidence:
    """Write an official's read of a record's photo to the audit log, which the citizen sees:
    ``found`` is the (evidence, record id, citizen id) row a caller selected; NotFound when it
    is None (no such photo, the same answer as no photo at all). Flush-only."""
    if found is None:
        raise NotFound(_l("No such photo."))
    evidence, record_id, user_id = found
    details: dict[str, object] = {
        "record_id": record_id,
        "evidence_id": evidence.id,
        "read": "evidence_photo",
    }
    if purpose is not None:
        details["purpose"] = purpose
    record_audit(
        "personal_data.read",
        actor_id=actor_id,
        subject_type="user",
        subject_id=user_id,
        ip=ip,
        details=details,
    )
    return evidence
