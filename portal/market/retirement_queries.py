"""Reads of retirements: the public register's list and pages, an organisation's own list,
what it holds and which serials a retirement of N tonnes would take.

Attribution to citizens: a retirement takes serials of one or more batches, and a batch's
tonnes are pooled from all its contributions (grams do not map to single serials), so the
citizens a retirement credits are "the citizens who contributed to the batches these serials
came from", counted once each however many batches they share. Pages say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from portal.accounts.models import ROLES_BY_ORG_KIND, Membership, Organisation, OrgKind, Role
from portal.certificates.models import Certificate
from portal.db import session
from portal.market import holdings
from portal.market.holdings import Source
from portal.market.models import Batch, BlockState, Contribution, Retirement, SerialBlock
from portal.market.purposes import reference_titles
from portal.market.serials import block_text, take_in_order
from portal.methodology.models import Methodology
from portal.pagination import AnySelect, paginate_rows


@dataclass(frozen=True)
class RetiredBlock:
    text: str  # the serial numbers, CN-JL-PH-…-start-end
    tonnes: int
    batch: Batch
    methodology: Methodology


@dataclass(frozen=True)
class RetirementPage:
    """What the public page of one retirement shows."""

    retirement: Retirement
    organisation: Organisation
    blocks: list[RetiredBlock]
    methodologies: list[Methodology]  # of the batches retired from, in code order
    citizens: int  # distinct citizens who contributed to those batches
    certificate_code: str | None
    titles: tuple[str, str] | None  # the event's or case's title, when the purpose names one


def _newest_first(stmt: AnySelect) -> AnySelect:
    return stmt.order_by(Retirement.retired_at.desc(), Retirement.id.desc())


def list_retirements(page: int) -> Pagination:
    """Every retirement with its organisation, newest first: items ``(retirement, org)``."""
    stmt = select(Retirement, Organisation).join(
        Organisation, Organisation.id == Retirement.holder_org_id
    )
    return paginate_rows(_newest_first(stmt), page)


def list_organisation_retirements(organisation_id: int, page: int) -> Pagination:
    """One organisation's retirements, newest first: items ``(retirement, org)``."""
    stmt = (
        select(Retirement, Organisation)
        .join(Organisation, Organisation.id == Retirement.holder_org_id)
        .where(Retirement.holder_org_id == organisation_id)
    )
    return paginate_rows(_newest_first(stmt), page)


def get_retirement(code: str) -> Retirement | None:
    return session().scalars(select(Retirement).where(Retirement.code == code)).first()


def get_retirement_page(retirement: Retirement) -> RetirementPage:
    rows = session().execute(
        select(SerialBlock, Batch, Methodology)
        .join(Batch, Batch.id == SerialBlock.batch_id)
        .join(Methodology, Methodology.id == Batch.methodology_id)
        .where(SerialBlock.retirement_id == retirement.id)
        .order_by(SerialBlock.batch_id, SerialBlock.start_serial)
    )
    blocks = [
        RetiredBlock(block_text(batch.label, b.start_serial, b.end_serial), b.tonnes, batch, m)
        for b, batch, m in rows
    ]
    batch_ids = {block.batch.id for block in blocks}
    citizens = session().scalar(
        select(func.count(func.distinct(Contribution.user_id))).where(
            Contribution.batch_id.in_(batch_ids)
        )
    )
    organisation = session().get(Organisation, retirement.holder_org_id)
    assert organisation is not None
    methodologies = {block.methodology.code: block.methodology for block in blocks}
    return RetirementPage(
        retirement=retirement,
        organisation=organisation,
        blocks=blocks,
        methodologies=[methodologies[code] for code in sorted(methodologies)],
        citizens=int(citizens or 0),
        certificate_code=session().scalar(
            select(Certificate.code).where(Certificate.id == retirement.certificate_id)
        ),
        titles=reference_titles(retirement),
    )


def held_tonnes(organisation_id: int) -> int:
    """Tonnes the organisation holds and may retire."""
    return holdings.available_tonnes(Source(BlockState.HELD, holder_org_id=organisation_id))


def preview_serials(organisation_id: int, tonnes: int) -> list[str]:
    """The serials a retirement of ``tonnes`` would take now, as block texts: the lowest of
    each batch in batch order, as ``holdings.move`` takes them (an unlocked read for the
    confirmation step; the retirement itself decides under its locks). Empty when the
    organisation holds fewer."""
    rows = list(
        session().execute(
            select(SerialBlock.batch_id, SerialBlock.start_serial, SerialBlock.end_serial)
            .where(*Source(BlockState.HELD, holder_org_id=organisation_id).conditions())
            .order_by(SerialBlock.batch_id, SerialBlock.start_serial)
        )
    )
    try:
        taken = take_in_order(rows, tonnes)
    except ValueError:
        return []
    batches = {
        b.id: b for b in session().scalars(select(Batch).where(Batch.id.in_({r[0] for r in taken})))
    }
    return [block_text(batches[batch_id].label, start, end) for batch_id, start, end in taken]


def _member_organisations(user_id: int) -> list[Organisation]:
    return list(
        session().scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user_id)
            .order_by(Organisation.name_zh)
        )
    )


def _opens_buyer(org: Organisation) -> bool:
    return Role.BUYER in ROLES_BY_ORG_KIND[OrgKind(org.kind)]


def list_buyer_organisations(user_id: int) -> list[Organisation]:
    """The organisations ``user_id`` may retire for as a buyer, by Chinese name."""
    return [o for o in _member_organisations(user_id) if _opens_buyer(o)]


# Courts and procuratorates are no buyers: they retire the tonnes they hold for their own
# cases only, as the compensation purpose admits.
COURT_KINDS = frozenset({OrgKind.COURT.value, OrgKind.PROCURATORATE.value})


def list_retiring_organisations(user_id: int) -> list[Organisation]:
    """The organisations whose retire form ``user_id`` may open: those they retire for as a
    buyer, and the courts and procuratorates they belong to, by Chinese name."""
    return [o for o in _member_organisations(user_id) if o.kind in COURT_KINDS or _opens_buyer(o)]


def is_buyer_of(user_id: int, organisation_id: int) -> bool:
    """Whether ``user_id`` is a member of ``organisation_id`` and its kind opens the buyer role."""
    return any(o.id == organisation_id for o in list_buyer_organisations(user_id))
