"""Behaviour intake and review: citizens' own reports, partner batches (API and CSV), account
links, officials' decisions on flagged records and citizens' appeals.

Every public function runs in one transaction. A refused record writes nothing; an accepted one
is ``pending`` (the quantify job picks it up within a minute) or ``flagged`` (it waits for an
ecology official). The same act reported through two channels counts once: a partner record
supersedes the citizen's own report of it, and if that report was already credited its
reduction is reversed in the same transaction (see ``portal.activities.reversal``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.accounts.audit import record_audit
from portal.accounts.models import Role, User
from portal.activities.evidence import store_evidence
from portal.activities.models import (
    AccountLink,
    BehaviorRecord,
    Channel,
    LinkCode,
    Partner,
    RecordStatus,
)
from portal.activities.reversal import lock_for_reversal, reverse_reductions
from portal.activities.rules import (
    FLAG_COUNTED,
    FLAG_EVIDENCE,
    FLAG_OVERLAP,
    Checked,
    Problem,
    RecordRefused,
    check_record,
)
from portal.clock import day_bounds, utcnow
from portal.db import DEADLOCK, session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.methodology.models import Methodology, MethodologyStatus
from portal.methodology.queries import FiledVersions, get_methodologies_by_code
from portal.methodology.versions import VersionSpec

MAX_BATCH = 1000
SUBMIT_ATTEMPTS = 3  # tries of one partner call that loses races (see submit_partner_records)
LINK_CODE_TTL = timedelta(minutes=30)
LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
OPEN_STATUSES = (RecordStatus.PENDING.value, RecordStatus.FLAGGED.value)
LIVE_STATUSES = (*OPEN_STATUSES, RecordStatus.QUANTIFIED.value)


@dataclass(frozen=True)
class RecordInput:
    """One behaviour as a channel delivers it; ``quantity`` is None when it was not a number."""

    methodology_code: str
    quantity: Decimal | None
    unit: str
    occurred_at: datetime
    ended_at: datetime | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    user_ref: str | None = None
    note: str = ""


@dataclass
class Outcome:
    """What became of one record of a batch: ``accepted`` (maybe ``flags``), ``duplicate`` (of
    ``record_id``) or ``rejected`` with ``problems``."""

    index: int
    status: Literal["accepted", "duplicate", "rejected"]
    external_id: str | None = None
    record_id: int | None = None
    flags: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _same_act(a_start: datetime, a_end: datetime | None, a_milli: int, b: BehaviorRecord) -> bool:
    """Two records of one person and methodology describe the same act: their trips overlap,
    or (without trip times) they fall on the same Shanghai day with quantities within 20 %."""
    if a_end is not None and b.ended_at is not None:
        return a_start < b.ended_at and b.occurred_at < a_end
    if day_bounds(a_start) != day_bounds(b.occurred_at):
        return False
    return abs(a_milli - b.quantity_milli) * 5 <= max(a_milli, b.quantity_milli)


def _candidates(
    user_id: int,
    methodology_id: int,
    start: datetime,
    end: datetime | None,
    channels: tuple[str, ...],
) -> list[BehaviorRecord]:
    low, _ = day_bounds(start)
    _, high = day_bounds(end or start)
    return list(
        session().scalars(
            select(BehaviorRecord).where(
                BehaviorRecord.user_id == user_id,
                BehaviorRecord.methodology_id == methodology_id,
                BehaviorRecord.channel.in_(channels),
                BehaviorRecord.status.in_(LIVE_STATUSES),
                BehaviorRecord.occurred_at >= low - timedelta(days=1),
                BehaviorRecord.occurred_at < high,
            )
        )
    )


def _lock_live(record_ids: set[int]) -> dict[int, BehaviorRecord]:
    """Lock these records in one statement, in id order (so two calls never wait on each other
    in opposite orders), and return those still live, re-read: a concurrent quantify batch or
    partner call that changed one has committed by the time we hold it."""
    if not record_ids:
        return {}
    rows = session().scalars(
        select(BehaviorRecord)
        .where(BehaviorRecord.id.in_(sorted(record_ids)), BehaviorRecord.status.in_(LIVE_STATUSES))
        .order_by(BehaviorRecord.id)
        # FOR NO KEY UPDATE on PostgreSQL: what the status update takes anyway, and it does not
        # block foreign-key checks against these rows.
        .with_for_update(key_share=True, of=BehaviorRecord)
        .execution_options(populate_existing=True)
    )
    return {record.id: record for record in rows}


def _overlapping_trip(
    user_id: int,
    start: datetime,
    end: datetime | None,
    transport_ids: set[int],
    same_act_ids: frozenset[int] = frozenset(),
) -> bool:
    """Another live trip of this person overlaps [start, end); records of the same act (the
    citizen's own report of a trip a partner now sends) are not a second trip."""
    if end is None or not transport_ids:
        return False
    clash = session().scalar(
        select(BehaviorRecord.id)
        .where(
            BehaviorRecord.user_id == user_id,
            BehaviorRecord.methodology_id.in_(transport_ids),
            BehaviorRecord.status.in_(LIVE_STATUSES),
            BehaviorRecord.ended_at.is_not(None),
            BehaviorRecord.occurred_at < end,
            BehaviorRecord.ended_at > start,
            BehaviorRecord.id.not_in(same_act_ids),
        )
        .limit(1)
    )
    return clash is not None


def _transport_ids() -> set[int]:
    return set(session().scalars(select(Methodology.id).where(Methodology.category == "transport")))


def _check(
    methodology: Methodology | None,
    versions: FiledVersions,
    item: RecordInput,
    *,
    now: datetime,
    is_self_report: bool,
) -> tuple[VersionSpec, Checked]:
    """Shape and plausibility checks shared by every channel; RecordRefused on failure.
    Returns the spec of the version in force at the record's time and the checked values."""
    if methodology is None:
        raise RecordRefused([Problem("methodology", _l("Unknown behaviour scenario."))])
    if methodology.status == MethodologyStatus.SUSPENDED:
        raise RecordRefused(
            [
                Problem(
                    "methodology",
                    _l("This methodology is suspended; records are not accepted now."),
                )
            ]
        )
    if item.quantity is None:
        raise RecordRefused([Problem("quantity", _l("The quantity must be a number."))])
    if item.occurred_at.tzinfo is None:
        raise RecordRefused([Problem("occurred_at", _l("The time must include a time zone."))])
    found = versions.in_force(methodology.id, item.occurred_at)
    if found is None:
        raise RecordRefused(
            [Problem("methodology", _l("No filed methodology version was in force at that time."))]
        )
    _version, spec = found
    if is_self_report and not spec.self_report:
        raise RecordRefused(
            [
                Problem(
                    "methodology", _l("This behaviour can only be reported by a partner platform.")
                )
            ]
        )
    checked = check_record(
        spec=spec,
        quantity=item.quantity,
        unit=item.unit,
        occurred_at=item.occurred_at,
        ended_at=item.ended_at,
        parameters=item.parameters,
        now=now,
        is_self_report=is_self_report,
        category=methodology.category,
    )
    return spec, checked


def requires_photo(spec: VersionSpec) -> bool:
    """A self-report needs an uploaded image — a photo, or a picture of the document (GPS
    track, invoice, certificate) — whenever the methodology does not accept a bare claim."""
    tiers = set(spec.evidence_tiers)
    return "self_report" not in tiers and bool(tiers & {"photo", "document"})


def log_behavior(
    *,
    user_id: int,
    item: RecordInput,
    photo: bytes | None,
    upload_dir: Path,
    now: datetime | None = None,
) -> BehaviorRecord:
    """A citizen records a behaviour themselves. Raises RecordRefused (per field) and writes
    nothing when refused; a photo is required where the methodology asks for one."""
    now = now or utcnow()
    with transaction() as db:
        methodology = get_methodologies_by_code([item.methodology_code]).get(
            item.methodology_code.upper()
        )
        versions = FiledVersions()
        versions.load([methodology.id] if methodology else [])
        spec, checked = _check(methodology, versions, item, now=now, is_self_report=True)
        assert methodology is not None
        if photo is None and requires_photo(spec):
            raise RecordRefused([Problem("photo", _l("This behaviour needs a photo as evidence."))])
        partner_records = _candidates(
            user_id,
            methodology.id,
            item.occurred_at,
            item.ended_at,
            (Channel.PARTNER_API.value, Channel.PARTNER_CSV.value),
        )
        if any(
            _same_act(item.occurred_at, item.ended_at, checked.quantity_milli, r)
            for r in partner_records
        ):
            raise RecordRefused(
                [
                    Problem(
                        "occurred_at",
                        _l("A partner platform has already reported this behaviour for you."),
                    )
                ]
            )
        flags = list(checked.flags)
        if methodology.category == "transport" and _overlapping_trip(
            user_id, item.occurred_at, item.ended_at, _transport_ids()
        ):
            flags.append(FLAG_OVERLAP)
        evidence_id = None
        if photo is not None:
            try:
                evidence, seen_before = store_evidence(
                    photo, user_id=user_id, upload_dir=upload_dir
                )
            except InvalidInput as error:
                raise RecordRefused([Problem("photo", error.message)]) from error
            evidence_id = evidence.id
            if seen_before:
                flags.append(FLAG_EVIDENCE)
        record = BehaviorRecord(
            user_id=user_id,
            methodology_id=methodology.id,
            channel=Channel.SELF_REPORT.value,
            quantity_milli=checked.quantity_milli,
            unit=item.unit,
            parameters=checked.parameters,
            occurred_at=item.occurred_at,
            ended_at=item.ended_at,
            evidence_id=evidence_id,
            note=item.note.strip()[:200],
            status=RecordStatus.FLAGGED.value if flags else RecordStatus.PENDING.value,
            flags=flags,
        )
        db.add(record)
        db.flush()
    return record


def submit_partner_records(
    *, partner_id: int, items: Sequence[RecordInput], channel: Channel, now: datetime | None = None
) -> list[Outcome]:
    """Take up to 1,000 records from a partner; answer each as accepted, duplicate or rejected.

    Idempotent per (partner, external_id): a record sent again is a ``duplicate`` of the first.
    Citizens are found through their account links (``user_ref``). Rejected records write
    nothing; the accepted ones are written together in one transaction.

    The partner record of an act the citizen reported themselves wins: an open self-report is
    ``superseded``; a quantified one is too, once its reduction is reversed (points taken back,
    cap usage given back) — unless the citizen has since spent those points, in which case the
    self-report keeps counting and the partner record is kept ``rejected`` with flag
    ``already_counted_self_report`` and answered ``duplicate``.
    """
    if len(items) > MAX_BATCH:
        raise InvalidInput(_l("At most 1,000 records per call."), field="records")
    for attempt in range(1, SUBMIT_ATTEMPTS + 1):
        try:
            return _submit_once(partner_id, items, channel, now or utcnow())
        except DBAPIError as error:
            # A concurrent call wrote some of the same rows first: a unique violation, or a
            # deadlock between calls that lock the same rows in other orders (calls of one
            # partner take turns, see _submit_once; another partner's may touch the same
            # citizens' reports). A retry that starts before the other call commits may wait on
            # its rows and fail once more; the next one sees them.
            deadlock = getattr(error.orig, "sqlstate", None) == DEADLOCK
            if attempt == SUBMIT_ATTEMPTS or not (isinstance(error, IntegrityError) or deadlock):
                raise
    raise AssertionError("unreachable")


def _submit_once(
    partner_id: int, items: Sequence[RecordInput], channel: Channel, now: datetime
) -> list[Outcome]:
    with transaction() as db:
        # One call per partner at a time (FOR NO KEY UPDATE of its row): a retry racing the
        # original call would otherwise insert the same external ids in another order and
        # deadlock, or wait on them and fail; the later call now sees them as duplicates.
        partner = db.get(Partner, partner_id, with_for_update={"key_share": True, "of": Partner})
        if partner is None or not partner.is_active:
            raise NotAllowed(_l("This partner is not active."))
        allowed = set(partner.methodology_codes)
        methodologies = get_methodologies_by_code({i.methodology_code for i in items})
        versions = FiledVersions()
        versions.load(m.id for m in methodologies.values())
        refs = {i.user_ref for i in items if i.user_ref}
        links = (
            {
                link.partner_user_ref: link.user_id
                for link in db.scalars(
                    select(AccountLink).where(
                        AccountLink.partner_id == partner_id,
                        AccountLink.partner_user_ref.in_(refs),
                        AccountLink.unlinked_at.is_(None),
                    )
                )
            }
            if refs
            else {}
        )
        external_ids = {i.external_id for i in items if i.external_id}
        existing = (
            {
                ext: rid
                for ext, rid in db.execute(
                    select(BehaviorRecord.external_id, BehaviorRecord.id).where(
                        BehaviorRecord.partner_id == partner_id,
                        BehaviorRecord.external_id.in_(external_ids),
                    )
                )
            }
            if external_ids
            else {}
        )
        outcomes: list[Outcome] = []
        # First every record is checked and its citizen's own reports of the same act found;
        # then those reports are locked, all at once; then the records are stored.
        valid: list[_Valid] = []
        seen_in_batch: set[str] = set()
        for index, item in enumerate(items):
            outcome = Outcome(index=index, status="rejected", external_id=item.external_id)
            outcomes.append(outcome)
            if not item.external_id:
                outcome.problems.append(
                    Problem("external_id", _l("Every record needs its own external id."))
                )
                continue
            if item.external_id in existing:
                outcome.status, outcome.record_id = "duplicate", existing[item.external_id]
                continue
            if item.external_id in seen_in_batch:
                outcome.status = "duplicate"
                continue
            code = item.methodology_code.upper()
            if code not in allowed:
                outcome.problems.append(
                    Problem("methodology", _l("This partner is not authorised for that scenario."))
                )
                continue
            user_id = links.get(item.user_ref or "")
            if user_id is None:
                outcome.problems.append(
                    Problem("user_ref", _l("No citizen is linked under this user reference."))
                )
                continue
            try:
                _spec, checked = _check(
                    methodologies.get(code), versions, item, now=now, is_self_report=False
                )
            except RecordRefused as refused:
                outcome.problems.extend(refused.problems)
                continue
            methodology = methodologies[code]
            same_act = [
                r.id
                for r in _candidates(
                    user_id,
                    methodology.id,
                    item.occurred_at,
                    item.ended_at,
                    (Channel.SELF_REPORT.value,),
                )
                if _same_act(item.occurred_at, item.ended_at, checked.quantity_milli, r)
            ]
            valid.append(_Valid(outcome, item, user_id, methodology.id, checked, same_act))
            seen_in_batch.add(item.external_id)
        locked = _lock_live({report_id for v in valid for report_id in v.same_act})
        stored = _store_valid(valid, locked, partner_id, channel)
        _replace_counted(stored.replacing, now)
        for outcome in outcomes:
            if outcome.status == "duplicate" and outcome.record_id is None and outcome.external_id:
                outcome.record_id = stored.by_external_id[outcome.external_id].id
    return outcomes


@dataclass
class _Valid:
    """A partner record that passed the checks, with its citizen's own reports of the same act
    (ids, not yet locked)."""

    outcome: Outcome
    item: RecordInput
    user_id: int
    methodology_id: int
    checked: Checked
    same_act: list[int]


@dataclass
class _Stored:
    by_external_id: dict[str, BehaviorRecord] = field(default_factory=dict)
    # Records whose act was already credited from a self-report, with those reports: reversed
    # after every record is stored, so all locks are taken before the first ledger append.
    replacing: list[tuple[BehaviorRecord, Outcome, list[BehaviorRecord]]] = field(
        default_factory=list
    )


def _store_valid(
    valid: Sequence[_Valid], locked: dict[int, BehaviorRecord], partner_id: int, channel: Channel
) -> _Stored:
    """Store the checked records in order (``pending``, or ``flagged`` with their flags) and
    supersede the open self-reports of the same acts; ``locked`` holds those reports."""
    db = session()
    transport_ids = _transport_ids()
    stored = _Stored()
    new_records: list[BehaviorRecord] = []
    for v in valid:
        item, user_id, checked, outcome = v.item, v.user_id, v.checked, v.outcome
        # A report an earlier record of this batch superseded is no longer live.
        own_reports = [
            locked[i] for i in v.same_act if i in locked and locked[i].status in LIVE_STATUSES
        ]
        flags = list(checked.flags)
        if v.methodology_id in transport_ids and (
            _overlapping_trip(
                user_id,
                item.occurred_at,
                item.ended_at,
                transport_ids,
                frozenset(r.id for r in own_reports),
            )
            or any(
                r.user_id == user_id
                and r.ended_at
                and item.ended_at
                and r.occurred_at < item.ended_at
                and item.occurred_at < r.ended_at
                for r in new_records
            )
        ):
            flags.append(FLAG_OVERLAP)
        record = BehaviorRecord(
            user_id=user_id,
            methodology_id=v.methodology_id,
            channel=channel.value,
            partner_id=partner_id,
            external_id=item.external_id,
            quantity_milli=checked.quantity_milli,
            unit=item.unit,
            parameters=checked.parameters,
            occurred_at=item.occurred_at,
            ended_at=item.ended_at,
            note=item.note.strip()[:200],
            flags=flags,
        )
        record.status = RecordStatus.FLAGGED.value if flags else RecordStatus.PENDING.value
        db.add(record)
        db.flush()
        for report in own_reports:
            if report.status in OPEN_STATUSES:
                report.status = RecordStatus.SUPERSEDED.value
                report.superseded_by_id = record.id
        counted = [r for r in own_reports if r.status == RecordStatus.QUANTIFIED]
        if counted:
            stored.replacing.append((record, outcome, counted))
        stored.by_external_id[record.external_id or ""] = record
        new_records.append(record)
        outcome.status = "accepted"
        outcome.record_id, outcome.flags = record.id, flags
    return stored


def _replace_counted(
    replacing: Sequence[tuple[BehaviorRecord, Outcome, list[BehaviorRecord]]], now: datetime
) -> None:
    """The partner records in ``replacing`` describe acts already credited from the citizen's own
    (quantified) reports: reverse those reductions and supersede the reports, so the partner's
    figures count instead when the quantify job credits the partner record.

    Lock order: every reduction and cap-usage row of the whole batch is locked first, then each
    record's reversal appends to the ledger (which locks the chain head) — the quantify job's
    order, cap usage before the chain head.
    """
    if not replacing:
        return
    locks = lock_for_reversal({r.id for _, _, reports in replacing for r in reports})
    for record, outcome, reports in replacing:
        # A report an earlier record of this batch already replaced is left alone.
        live = [
            locks.reductions[r.id]
            for r in reports
            if r.status == RecordStatus.QUANTIFIED and r.id in locks.reductions
        ]
        try:
            reverse_reductions(live, replaced_by=record, locks=locks, now=now)
        except Conflict:
            # The citizen has spent the points the self-report earned, and a balance never goes
            # negative: the self-report keeps counting and this record is kept for the trail
            # but never quantified (the act counts once), answered as a duplicate act. Nothing
            # of the reversal was written (append runs in a savepoint and failed first).
            record.flags = [*record.flags, FLAG_COUNTED]
            record.status = RecordStatus.REJECTED.value
            record.review_reason = (
                "Already counted from the citizen's own report, whose points were spent."
            )
            outcome.status, outcome.flags = "duplicate", list(record.flags)
            continue
        for report in reports:
            if report.status == RecordStatus.QUANTIFIED:
                report.status = RecordStatus.SUPERSEDED.value
                report.superseded_by_id = record.id


def create_link_code(user_id: int, *, now: datetime | None = None) -> LinkCode:
    """A fresh 8-character code, valid for 30 minutes, that the citizen gives a partner app."""
    now = now or utcnow()
    with transaction() as db:
        code = LinkCode(
            code="".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(8)),
            user_id=user_id,
            expires_at=now + LINK_CODE_TTL,
        )
        db.add(code)
        db.flush()
        record_audit("link.code_created", actor_id=user_id, subject_type="user", subject_id=user_id)
    return code


def link_account(
    *, partner_id: int, code: str, partner_user_ref: str, now: datetime | None = None
) -> AccountLink:
    """A partner redeems a citizen's link code: from now on it refers to them as
    ``partner_user_ref``. A code works once and only before it expires."""
    now = now or utcnow()
    ref = partner_user_ref.strip()
    if not 1 <= len(ref) <= 64:
        raise InvalidInput(_l("The user reference must be 1 to 64 characters."), field="user_ref")
    with transaction() as db:
        link_code = db.scalar(
            select(LinkCode).where(LinkCode.code == code.strip().upper()).with_for_update()
        )
        if link_code is None or link_code.used_at is not None or link_code.expires_at <= now:
            raise InvalidInput(_l("The link code is unknown, used or expired."), field="code")
        clash = db.scalar(
            select(AccountLink).where(
                AccountLink.partner_id == partner_id,
                AccountLink.unlinked_at.is_(None),
                or_(AccountLink.partner_user_ref == ref, AccountLink.user_id == link_code.user_id),
            )
        )
        taken = Conflict(
            _l("This citizen or this user reference is already linked."), field="user_ref"
        )
        if clash is not None:
            raise taken
        link_code.used_at = now
        # A citizen who unlinked this partner before links again on the same row: one row per
        # (partner, citizen), its history in the audit log.
        link = db.scalar(
            select(AccountLink)
            .where(AccountLink.partner_id == partner_id, AccountLink.user_id == link_code.user_id)
            .with_for_update(of=AccountLink)  # not the eagerly joined rows
        )
        if link is None:
            link = AccountLink(partner_id=partner_id, user_id=link_code.user_id)
            db.add(link)
        link.partner_user_ref, link.linked_at, link.unlinked_at = ref, now, None
        with unless_taken(taken):
            db.flush()
        record_audit(
            "link.created",
            actor_id=link_code.user_id,
            subject_type="partner",
            subject_id=partner_id,
            details={"partner_user_ref": ref},
        )
    return link


def unlink_account(*, user_id: int, link_id: int) -> None:
    """The citizen ends a link; the partner can no longer send records for them."""
    with transaction() as db:
        link = db.get(AccountLink, link_id)
        if link is None or link.user_id != user_id:
            raise NotFound(_l("No such link."))
        if link.unlinked_at is None:
            link.unlinked_at = utcnow()
            # Free the pair so the citizen can link again later.
            link.partner_user_ref = f"{link.partner_user_ref[:40]}#unlinked-{link.id}"
            record_audit(
                "link.removed", actor_id=user_id, subject_type="partner", subject_id=link.partner_id
            )


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
        record.review_reason = reason.strip()[:2000]
        record_audit(
            "record.approved" if approve else "record.rejected",
            actor_id=actor.id,
            subject_type="behavior_record",
            subject_id=record.id,
            details={"reason": record.review_reason, "flags": record.flags},
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
            details={"record_id": record.id, "purpose": "flag review"},
        )
    return record
