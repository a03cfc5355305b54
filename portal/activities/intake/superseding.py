"""Storing a partner call's checked records, and the citizen's own reports of the same acts
giving way to them: an open report is superseded; a credited one is too, once its reduction is
reversed (``portal.activities.reversal``), unless its points were spent. Flush-only helpers of
``accept_records``, whose caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from portal.activities.intake.checks import FLAG_COUNTED, FLAG_OVERLAP, Checked
from portal.activities.intake.records import Outcome, RecordInput
from portal.activities.intake.same_act import (
    LIVE_STATUSES,
    OPEN_STATUSES,
    Trip,
    overlap,
    overlaps_other_trip,
    transport_ids,
)
from portal.activities.models import BehaviorRecord, Channel, RecordStatus
from portal.activities.reasons import ALREADY_COUNTED
from portal.activities.reversal import lock_for_reversal, reverse_reductions
from portal.db import session
from portal.errors import Conflict
from portal.methodology.queries import FiledVersions


@dataclass
class CheckedRecord:
    """A partner record that passed the checks, with its citizen's own reports of the same act
    (ids, not yet locked)."""

    outcome: Outcome
    item: RecordInput
    user_id: int
    methodology_id: int
    checked: Checked
    same_act: list[int]
    trip: Trip | None  # its interval, reported or implied (same_act.trip_interval)


@dataclass
class StoredBatch:
    """The records ``store_checked`` stored, by external id, and those that replace credited
    reports."""

    by_external_id: dict[str, BehaviorRecord] = field(default_factory=dict)
    # Records whose act was already credited from a self-report, with those reports: reversed
    # after every record is stored, so all locks are taken before the first ledger append.
    replacing: list[tuple[BehaviorRecord, Outcome, list[BehaviorRecord]]] = field(
        default_factory=list
    )


def store_checked(
    valid: Sequence[CheckedRecord],
    locked: dict[int, BehaviorRecord],
    sender: tuple[int, Channel],
    versions: FiledVersions,
) -> StoredBatch:
    """Store the checked records in order (``pending``, or ``flagged`` with their flags) and
    supersede the open self-reports of the same acts; ``locked`` holds those reports and
    ``sender`` is the partner's id and channel."""
    db = session()
    partner_id, channel = sender
    transports = transport_ids()
    stored = StoredBatch()
    earlier: list[CheckedRecord] = []  # the transport records stored before, in this batch
    for v in valid:
        item, user_id, checked, outcome = v.item, v.user_id, v.checked, v.outcome
        # A report an earlier record of this batch superseded is no longer live.
        own_reports = [
            locked[i] for i in v.same_act if i in locked and locked[i].status in LIVE_STATUSES
        ]
        flags = list(checked.flags)
        if v.methodology_id in transports:
            if _overlaps(v, own_reports, earlier, (transports, versions)):
                flags.append(FLAG_OVERLAP)
            earlier.append(v)
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
        outcome.status = "accepted"
        outcome.record_id, outcome.flags = record.id, flags
    return stored


def _overlaps(
    v: CheckedRecord,
    own_reports: Sequence[BehaviorRecord],
    earlier: Sequence[CheckedRecord],
    transports: tuple[set[int], FiledVersions],
) -> bool:
    """The trip overlaps another live trip of the citizen, or one stored earlier in this batch;
    their own reports of this same act do not count. ``transports``: the transport
    methodologies' ids and a cache of their versions."""
    ids, versions = transports
    return overlaps_other_trip(
        v.user_id, v.trip, ids, versions, frozenset(r.id for r in own_reports)
    ) or any(r.user_id == v.user_id and overlap(v.trip, r.trip) for r in earlier)


def replace_counted(
    replacing: Sequence[tuple[BehaviorRecord, Outcome, list[BehaviorRecord]]], now: datetime
) -> None:
    """The partner records in ``replacing`` describe acts already credited from the citizen's own
    (quantified) reports: reverse those reductions and supersede the reports, so the partner's
    figures count instead when the quantify job credits the partner record.

    Lock order: every reduction and cap-usage row of the whole batch is locked first, then each
    record's reversal appends to the ledger (which locks the citizen's points account) — the
    quantify job's order, cap usage before the points accounts.
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
            record.review_code, record.review_params = ALREADY_COUNTED, {}
            outcome.status, outcome.flags = "duplicate", list(record.flags)
            continue
        for report in reports:
            if report.status == RecordStatus.QUANTIFIED:
                report.status = RecordStatus.SUPERSEDED.value
                report.superseded_by_id = record.id
