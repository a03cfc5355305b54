"""A citizen records a behaviour themselves, with a photo where the methodology asks for one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.activities.evidence import store_evidence
from portal.activities.intake.checks import (
    FLAG_EVIDENCE,
    FLAG_OVERLAP,
    check_channel_record,
    requires_photo,
)
from portal.activities.intake.records import Problem, RecordInput, RecordRefused
from portal.activities.intake.same_act import (
    Trip,
    input_trip,
    list_candidates,
    overlaps_other_trip,
    same_acts,
    transport_ids,
)
from portal.activities.models import BehaviorRecord, Channel, RecordStatus
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import InvalidInput
from portal.methodology.queries import FiledVersions, get_methodologies_by_code


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
        spec, checked = check_channel_record(
            methodology, versions, item, now=now, is_self_report=True
        )
        assert methodology is not None
        if photo is None and requires_photo(spec):
            raise RecordRefused([Problem("photo", _l("This behaviour needs a photo as evidence."))])
        trip = input_trip(item, spec)
        _refuse_what_a_partner_reported(
            user_id, methodology.id, item, (trip, checked.quantity_milli), versions
        )
        flags = list(checked.flags)
        if methodology.category == "transport" and overlaps_other_trip(
            user_id, trip, transport_ids(), versions
        ):
            flags.append(FLAG_OVERLAP)
        evidence_id = None
        if photo is not None:
            evidence_id, seen_before = _store_photo(photo, user_id, upload_dir)
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


def _refuse_what_a_partner_reported(
    user_id: int,
    methodology_id: int,
    item: RecordInput,
    measured: tuple[Trip | None, int],
    versions: FiledVersions,
) -> None:
    """RecordRefused when a partner already sent this act for the citizen: its data counts.
    ``measured`` is the record's trip interval and quantity in thousandths."""
    trip, quantity_milli = measured
    partner_records = list_candidates(
        user_id,
        methodology_id,
        item.occurred_at,
        trip[1] if trip else None,
        (Channel.PARTNER_API.value, Channel.PARTNER_CSV.value),
    )
    if same_acts(item.occurred_at, trip, quantity_milli, partner_records, versions):
        raise RecordRefused(
            [
                Problem(
                    "occurred_at",
                    _l("A partner platform has already reported this behaviour for you."),
                )
            ]
        )


def _store_photo(photo: bytes, user_id: int, upload_dir: Path) -> tuple[int, bool]:
    """The evidence id of the stored photo and whether the same bytes were uploaded before;
    RecordRefused (field ``photo``) for a file that is not an accepted image."""
    try:
        evidence, seen_before = store_evidence(photo, user_id=user_id, upload_dir=upload_dir)
    except InvalidInput as error:
        raise RecordRefused([Problem("photo", error.message)]) from error
    return evidence.id, seen_before
