"""Retiring (注销) tonnes an organisation holds, for one closed purpose, naming a beneficiary.

One command, ``retire``, in one transaction: the retirement row, its blocks moved from
``held`` to ``retired`` (lowest serials first, by ``portal.market.holdings``, the only writer
of blocks), the certificate, the purpose's after-hook and the audit event. Retired blocks keep
their holder (``holder_org_id`` stays the retiring organisation), so the public register names
who retired each serial; ``retired`` is final (DESIGN.md §7 invariant 3).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.audit import record_audit
from portal.accounts.models import Organisation, User
from portal.certificates.models import CertificateKind
from portal.certificates.services import issue_certificate, new_code
from portal.clock import local_today
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.market import holdings
from portal.market.holdings import Destination, NotEnoughTonnes, Source
from portal.market.models import Batch, BlockState, Retirement, SerialBlock
from portal.market.purposes import REFERENCE_COLUMNS, PurposeCheck, PurposeRequest, purpose_check
from portal.market.retirement_queries import is_buyer_of
from portal.market.retirement_rules import RetirementRequest, check_request
from portal.market.retirement_texts import certificate_details, certificate_text
from portal.market.serials import block_text


def retire(
    actor: User,
    holder_org_id: int,
    *,
    tonnes: Any,
    purpose: Any,
    beneficiary_zh: Any,
    beneficiary_en: Any,
    form_token: Any,
    year: Any = None,
    reference_id: Any = None,
    ip: str | None = None,
) -> Retirement:
    """Retire ``tonnes`` whole tonnes of what ``holder_org_id`` holds, for ``purpose``
    (``operations`` with ``year``, not after this Asia/Shanghai year; ``event`` or
    ``compensation`` with ``reference_id``, the event or case id, only while a purpose check
    is registered for it; ``voluntary``), naming the beneficiary in Chinese and English.

    Who may call: a member of the holder whose organisation kind opens the buyer role, or
    whoever a registered purpose check admits (a court official for a case). Refuses
    (nothing written): a malformed value (``InvalidInput`` naming the field), a non-member or
    another organisation's holding (``NotAllowed``), more than it holds (``Conflict``).
    Idempotent by ``form_token``: a replay returns the first retirement and retires nothing
    again, also when two replays race (the unique key waits for the first). Issues the
    retirement certificate to ``actor``; audited."""
    request = check_request(
        tonnes=tonnes,
        purpose=purpose,
        year=year,
        reference_id=reference_id,
        beneficiary_zh=beneficiary_zh,
        beneficiary_en=beneficiary_en,
        form_token=form_token,
        this_year=local_today().year,
    )
    with transaction() as db:
        if (done := _replayed(request.idempotency_key, actor, holder_org_id)) is not None:
            return done
        holder = db.get(Organisation, holder_org_id)
        if holder is None:
            raise NotFound(_l("There is no such organisation."))
        check = _admit(actor, holder.id, request)
        retirement = _new_retirement(actor, holder.id, request)
        try:
            with db.begin_nested():
                db.add(retirement)
        except IntegrityError:
            winner = _replayed(request.idempotency_key, actor, holder_org_id)
            if winner is None:
                raise
            return winner
        blocks = _retire_blocks(holder.id, retirement)
        titles = check.titles(request.reference_id) if check and request.reference_id else None
        serials = _serial_texts(blocks)
        certificate = issue_certificate(
            CertificateKind.RETIREMENT,
            actor,
            certificate_text(retirement, holder, serials, titles),
            achievement_key=f"retirement:{retirement.purpose}",
            idempotency_key=request.idempotency_key,
            details=certificate_details(retirement, holder, serials, titles),
        )
        retirement.certificate_id = certificate.id
        if check is not None and check.after is not None:
            check.after(retirement)
        record_audit(
            "registry.retire",
            actor_id=actor.id,
            subject_type="retirement",
            subject_id=retirement.id,
            ip=ip,
            details={"organisation_id": holder.id, "tonnes": retirement.tonnes},
        )
        db.flush()
        return retirement


def _admit(actor: User, holder_org_id: int, request: RetirementRequest) -> PurposeCheck | None:
    """Refuse an actor or purpose not allowed; the purpose's check when it names something."""
    is_buyer = is_buyer_of(actor.id, holder_org_id)
    check = None
    if request.purpose.value in REFERENCE_COLUMNS:
        check = purpose_check(request.purpose.value)
        if check is None:
            raise InvalidInput(
                _l("Tonnes cannot be retired for this purpose yet."), field="purpose"
            )
    if not is_buyer and not (check is not None and check.admits_non_members):
        raise NotAllowed(_l("Only a buyer of this organisation may retire the tonnes it holds."))
    if check is not None:
        assert request.reference_id is not None
        check.check(
            PurposeRequest(actor, holder_org_id, request.tonnes, request.reference_id, is_buyer)
        )
    return check


def _new_retirement(actor: User, holder_org_id: int, request: RetirementRequest) -> Retirement:
    retirement = Retirement(
        code=new_code(),
        holder_org_id=holder_org_id,
        retired_by_id=actor.id,
        tonnes=request.tonnes,
        purpose=request.purpose.value,
        purpose_year=request.year,
        beneficiary_zh=request.beneficiary_zh,
        beneficiary_en=request.beneficiary_en,
        idempotency_key=request.idempotency_key,
    )
    column = REFERENCE_COLUMNS.get(request.purpose.value)
    if column is not None:
        setattr(retirement, column, request.reference_id)
    return retirement


def _retire_blocks(holder_org_id: int, retirement: Retirement) -> list[SerialBlock]:
    try:
        return holdings.move(
            Source(BlockState.HELD, holder_org_id=holder_org_id),
            retirement.tonnes,
            Destination(
                BlockState.RETIRED, holder_org_id=holder_org_id, retirement_id=retirement.id
            ),
        )
    except NotEnoughTonnes as short:
        raise Conflict(
            _l(
                "Your organisation holds %(held)s t; it cannot retire %(asked)s t.",
                held=short.found,
                asked=short.wanted,
            ),
            field="tonnes",
        ) from None


def _serial_texts(blocks: list[SerialBlock]) -> list[str]:
    batches = {
        batch.id: batch
        for batch in session().scalars(
            select(Batch).where(Batch.id.in_({b.batch_id for b in blocks}))
        )
    }
    return [block_text(batches[b.batch_id].label, b.start_serial, b.end_serial) for b in blocks]


def _replayed(key: str, actor: User, holder_org_id: int) -> Retirement | None:
    found = session().scalars(select(Retirement).where(Retirement.idempotency_key == key)).first()
    if found is not None and (
        found.retired_by_id != actor.id or found.holder_org_id != holder_org_id
    ):
        raise Conflict(_l("This form was already used for another retirement."))
    return found
