"""Partner batches: records from a partner's signed API call (raw rows, parsed here) or from
its CSV upload, checked, answered one by one and stored together.

``submit_partner_records`` and ``submit_partner_rows`` are the public commands; each runs in
one transaction through ``retrying_races``. ``accept_records`` and ``accept_rows`` are their
flush-only bodies, for a command that adds its own writes to the same transaction (the CSV
upload adds its audit entry).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.activities.intake.checks import check_channel_record
from portal.activities.intake.parsing import parse_record_row
from portal.activities.intake.records import MAX_BATCH, Outcome, Problem, RecordInput, RecordRefused
from portal.activities.intake.same_act import input_trip, list_candidates, lock_live, same_acts
from portal.activities.intake.superseding import CheckedRecord, replace_counted, store_checked
from portal.activities.models import AccountLink, BehaviorRecord, Channel, Partner
from portal.clock import utcnow
from portal.db import DEADLOCK, session, transaction
from portal.errors import InvalidInput, NotAllowed
from portal.methodology.models import Methodology
from portal.methodology.queries import FiledVersions, get_methodologies_by_code

SUBMIT_ATTEMPTS = 3  # tries of one partner call that loses races (see retrying_races)

T = TypeVar("T")


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
    at = now or utcnow()
    return retrying_races(lambda: accept_records(partner_id, items, channel, at))


def submit_partner_rows(
    *,
    partner_id: int,
    rows: Sequence[Mapping[str, Any]],
    channel: Channel,
    now: datetime | None = None,
) -> list[Outcome]:
    """Parse each raw record and submit the well-formed ones; one ``Outcome`` per row, in
    order, ``index`` being the row's position. At most 1,000 rows (``InvalidInput`` naming
    ``records``). Idempotent per (partner, external_id) like ``submit_partner_records``."""
    if len(rows) > MAX_BATCH:
        raise InvalidInput(_l("At most 1,000 records per call."), field="records")
    at = now or utcnow()
    return retrying_races(lambda: accept_rows(partner_id, rows, channel, at))


def retrying_races(command: Callable[[], T]) -> T:
    """Run ``command`` in one transaction; run it again in a new one (up to three tries in all)
    when it lost a race to a concurrent partner call. For the partner intake's public commands,
    whose one transaction this is."""
    for attempt in range(1, SUBMIT_ATTEMPTS + 1):
        try:
            with transaction():
                return command()
        except DBAPIError as error:
            # A concurrent call wrote some of the same rows first: a unique violation, or a
            # deadlock between calls that lock the same rows in other orders (calls of one
            # partner take turns, see accept_records; another partner's may touch the same
            # citizens' reports). A retry that starts before the other call commits may wait on
            # its rows and fail once more; the next one sees them.
            deadlock = getattr(error.orig, "sqlstate", None) == DEADLOCK
            if attempt == SUBMIT_ATTEMPTS or not (isinstance(error, IntegrityError) or deadlock):
                raise
    raise AssertionError("unreachable")


def accept_rows(
    partner_id: int, rows: Sequence[Mapping[str, Any]], channel: Channel, now: datetime
) -> list[Outcome]:
    """Parse each raw record and accept the well-formed ones (``accept_records``); one
    ``Outcome`` per row, in order, ``index`` being the row's position. At most 1,000 rows
    (``InvalidInput`` naming ``records``). Flush-only: the caller owns the transaction."""
    if len(rows) > MAX_BATCH:
        raise InvalidInput(_l("At most 1,000 records per call."), field="records")
    outcomes: list[Outcome | None] = []
    items: list[RecordInput] = []
    positions: list[int] = []
    for index, row in enumerate(rows):
        parsed = parse_record_row(row)
        if isinstance(parsed, RecordInput):
            outcomes.append(None)
            items.append(parsed)
            positions.append(index)
        else:
            external_id = row.get("external_id")
            outcomes.append(
                Outcome(
                    index=index,
                    status="rejected",
                    external_id=external_id.strip() if isinstance(external_id, str) else None,
                    problems=parsed,
                )
            )
    if items:
        for position, outcome in zip(
            positions, accept_records(partner_id, items, channel, now), strict=True
        ):
            outcome.index = position
            outcomes[position] = outcome
    return [o for o in outcomes if o is not None]


def accept_records(
    partner_id: int, items: Sequence[RecordInput], channel: Channel, now: datetime
) -> list[Outcome]:
    """Check, answer and store a partner's records (see ``submit_partner_records``). Flush-only:
    the caller owns the transaction, and retries it when this raises a race's ``DBAPIError``."""
    db = session()
    # One call per partner at a time (FOR NO KEY UPDATE of its row): a retry racing the
    # original call would otherwise insert the same external ids in another order and
    # deadlock, or wait on them and fail; the later call now sees them as duplicates.
    partner = db.get(Partner, partner_id, with_for_update={"key_share": True, "of": Partner})
    if partner is None or not partner.is_active:
        raise NotAllowed(_l("This partner is not active."))
    batch = _Batch(
        allowed=set(partner.methodology_codes),
        methodologies=get_methodologies_by_code({i.methodology_code for i in items}),
        links=_linked_citizens(partner_id, {i.user_ref for i in items if i.user_ref}),
        existing=_known_external_ids(partner_id, {i.external_id for i in items if i.external_id}),
        now=now,
    )
    batch.versions.load(m.id for m in batch.methodologies.values())
    outcomes: list[Outcome] = []
    # First every record is checked and its citizen's own reports of the same act found;
    # then those reports are locked, all at once; then the records are stored.
    valid: list[CheckedRecord] = []
    for index, item in enumerate(items):
        outcome = Outcome(index=index, status="rejected", external_id=item.external_id)
        outcomes.append(outcome)
        checked = _check_item(batch, item, outcome)
        if checked is not None:
            valid.append(checked)
            batch.seen.add(checked.item.external_id or "")
    locked = lock_live({report_id for v in valid for report_id in v.same_act})
    stored = store_checked(valid, locked, (partner_id, channel), batch.versions)
    replace_counted(stored.replacing, now)
    for outcome in outcomes:
        if outcome.status == "duplicate" and outcome.record_id is None and outcome.external_id:
            outcome.record_id = stored.by_external_id[outcome.external_id].id
    return outcomes


@dataclass
class _Batch:
    """What checking one call's records needs, read once per call."""

    allowed: set[str]  # the methodology codes the partner may send
    methodologies: dict[str, Methodology]
    links: dict[str, int]  # user_ref → citizen
    existing: dict[str, int]  # external id sent before → its record
    now: datetime
    versions: FiledVersions = field(default_factory=FiledVersions)
    seen: set[str] = field(default_factory=set)  # external ids accepted earlier in this call


def _check_item(batch: _Batch, item: RecordInput, outcome: Outcome) -> CheckedRecord | None:
    """The record checked, with its citizen's own reports of the same act; or None, ``outcome``
    then saying it is a duplicate or why it is rejected."""
    if not item.external_id:
        outcome.problems.append(
            Problem("external_id", _l("Every record needs its own external id."))
        )
        return None
    if item.external_id in batch.existing:
        outcome.status, outcome.record_id = "duplicate", batch.existing[item.external_id]
        return None
    if item.external_id in batch.seen:
        outcome.status = "duplicate"
        return None
    code = item.methodology_code.upper()
    if code not in batch.allowed:
        outcome.problems.append(
            Problem("methodology", _l("This partner is not authorised for that scenario."))
        )
        return None
    user_id = batch.links.get(item.user_ref or "")
    if user_id is None:
        outcome.problems.append(
            Problem("user_ref", _l("No citizen is linked under this user reference."))
        )
        return None
    try:
        spec, checked = check_channel_record(
            batch.methodologies.get(code), batch.versions, item, now=batch.now, is_self_report=False
        )
    except RecordRefused as refused:
        outcome.problems.extend(refused.problems)
        return None
    methodology = batch.methodologies[code]
    trip = input_trip(item, spec)
    own_reports = list_candidates(
        user_id,
        methodology.id,
        item.occurred_at,
        trip[1] if trip else None,
        (Channel.SELF_REPORT.value,),
    )
    found = same_acts(item.occurred_at, trip, checked.quantity_milli, own_reports, batch.versions)
    same_act = [r.id for r in found]
    return CheckedRecord(outcome, item, user_id, methodology.id, checked, same_act, trip)


def _linked_citizens(partner_id: int, refs: set[str]) -> dict[str, int]:
    """The citizens linked to the partner under these user references."""
    if not refs:
        return {}
    return {
        link.partner_user_ref: link.user_id
        for link in session().scalars(
            select(AccountLink).where(
                AccountLink.partner_id == partner_id,
                AccountLink.partner_user_ref.in_(refs),
                AccountLink.unlinked_at.is_(None),
            )
        )
    }


def _known_external_ids(partner_id: int, external_ids: set[str]) -> dict[str, int]:
    """Which of these external ids the partner sent before, with their records."""
    if not external_ids:
        return {}
    return {
        ext: rid
        for ext, rid in session().execute(
            select(BehaviorRecord.external_id, BehaviorRecord.id).where(
                BehaviorRecord.partner_id == partner_id,
                BehaviorRecord.external_id.in_(external_ids),
            )
        )
        if ext is not None
    }
