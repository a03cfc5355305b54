"""The four-eyes issue of a batch (DESIGN.md §7): an official reviews the sample, a second
verifies (核证), a third issues (登记). One transaction each, the batch row locked first, every
decision written to the audit log. Who may take which step is ``portal.market.duties``.

Officials only. A verdict on a sampled record may change until the review is complete; the
completion, the verification, the issue and a rejection are final.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import Role, User
from portal.activities.models import BehaviorRecord, Evidence
from portal.activities.review import audit_photo_read
from portal.clock import utcnow
from portal.db import session, transaction
from portal.errors import InvalidInput, NotAllowed, NotFound
from portal.market import holdings
from portal.market.duties import Step, duty_problem, rejection_step
from portal.market.models import Batch, BatchStatus, Contribution, SampleItem, SampleVerdict
from portal.market.review_queries import get_sample_item, lock_batch, officials_of, sample_counts

# Why a sampled record failed: codes, translated when shown.
ITEM_FAIL_REASONS = (
    "evidence_missing",
    "evidence_mismatch",
    "implausible",
    "duplicate",
    "not_eligible",
)
# Why a verifier or an issuer rejected a batch ("sample_failed": the review found a failure).
REJECTION_REASONS = (
    "records_doubtful",
    "arithmetic_wrong",
    "methodology_issue",
    "other",
)
SAMPLE_FAILED = "sample_failed"


def _official(actor: User) -> None:
    if not actor.has_role(Role.OFFICIAL):
        raise NotAllowed(_l("Only ecology officials review and issue registry batches."))


def _locked(batch_id: int, actor: User, step: Step | None) -> Batch:
    """The batch, locked, once ``actor`` is allowed ``step`` of it (None: to reject it at the
    step it waits for)."""
    _official(actor)
    batch = lock_batch(batch_id)
    if batch is None:
        raise NotFound(_l("No such batch."))
    wanted = rejection_step(batch.status) if step is None else step
    problem = duty_problem(batch.status, wanted, officials_of(batch), actor.id)
    if problem is not None:
        raise NotAllowed(problem)
    return batch


def _audit(action: str, actor: User, batch: Batch, ip: str | None, **details: Any) -> None:
    record_audit(
        f"registry.{action}",
        actor_id=actor.id,
        subject_type="registry_batch",
        subject_id=batch.id,
        ip=ip,
        details={"label": batch.label, **details},
    )


def review_item(
    *,
    actor: User,
    batch_id: int,
    item_id: int,
    passed: bool,
    reason: str | None = None,
    ip: str | None = None,
) -> SampleItem:
    """Pass or fail (with a reason code) one sampled record of a proposed batch."""
    if not passed and reason not in ITEM_FAIL_REASONS:
        raise InvalidInput(_l("Choose why the record fails."), field="reason")
    with transaction():
        batch = _locked(batch_id, actor, Step.REVIEW)
        item = get_sample_item(batch.id, item_id)
        if item is None:
            raise NotFound(_l("No such record in this batch's sample."))
        item.verdict = (SampleVerdict.PASSED if passed else SampleVerdict.FAILED).value
        item.reason = None if passed else reason
        item.reviewed_by_id, item.reviewed_at = actor.id, utcnow()
        _audit("sample_review", actor, batch, ip, item=item.position, verdict=item.verdict)
        return item


def complete_review(*, actor: User, batch_id: int, ip: str | None = None) -> Batch:
    """With every sampled record reviewed: ``sampled`` if all passed, else ``rejected``."""
    with transaction():
        batch = _locked(batch_id, actor, Step.REVIEW)
        counts = sample_counts(batch.id)
        if counts.pending:
            raise InvalidInput(_l("Review every sampled record before completing the review."))
        batch.sampled_by_id, batch.sampled_at = actor.id, utcnow()
        batch.sample_failed = counts.failed
        if batch.sample_failed:
            _reject(batch, actor, SAMPLE_FAILED)
        else:
            batch.status = BatchStatus.SAMPLED.value
        _audit("sample_complete", actor, batch, ip, failed=batch.sample_failed)
        return batch


def verify_batch(*, actor: User, batch_id: int, ip: str | None = None) -> Batch:
    """A second official verifies (核证) a sampled batch."""
    with transaction():
        batch = _locked(batch_id, actor, Step.VERIFY)
        batch.status = BatchStatus.VERIFIED.value
        batch.verified_by_id, batch.verified_at = actor.id, utcnow()
        _audit("verify", actor, batch, ip)
        return batch


def issue_batch(*, actor: User, batch_id: int, ip: str | None = None) -> Batch:
    """A third official issues (登记) a verified batch: its serial blocks are created."""
    with transaction():
        batch = _locked(batch_id, actor, Step.ISSUE)
        batch.status = BatchStatus.ISSUED.value
        batch.issued_by_id, batch.issued_at = actor.id, utcnow()
        session().flush()
        holdings.create_blocks(batch)
        _audit("issue", actor, batch, ip, tonnes=batch.issued_tonnes, buffer=batch.buffer_tonnes)
        return batch


def reject_batch(*, actor: User, batch_id: int, reason: str, ip: str | None = None) -> Batch:
    """The verifier or the issuer rejects the batch at their step, with a reason code."""
    if reason not in REJECTION_REASONS:
        raise InvalidInput(_l("Choose why the batch is rejected."), field="reason")
    with transaction():
        batch = _locked(batch_id, actor, None)
        _reject(batch, actor, reason)
        _audit("reject", actor, batch, ip, rejection=reason)
        return batch


def _reject(batch: Batch, actor: User, reason: str) -> None:
    batch.status = BatchStatus.REJECTED.value
    batch.rejection_reason = reason
    batch.rejected_by_id, batch.rejected_at = actor.id, utcnow()


def open_sample_evidence(
    *, actor: User, batch_id: int, item_id: int, ip: str | None = None
) -> Evidence:
    """An official opens the photo of a sampled record; the read is audited for the citizen
    (as for a flagged record's photo). NotFound when the record has no photo."""
    _official(actor)
    with transaction():
        found = (
            session()
            .execute(
                select(Evidence, BehaviorRecord.id, BehaviorRecord.user_id)
                .join(BehaviorRecord, BehaviorRecord.evidence_id == Evidence.id)
                .join(Contribution, Contribution.record_id == BehaviorRecord.id)
                .join(SampleItem, SampleItem.contribution_id == Contribution.id)
                .where(SampleItem.id == item_id, SampleItem.batch_id == batch_id)
            )
            .first()
        )
        return audit_photo_read(found, actor_id=actor.id, ip=ip)
