"""Reads of listings, orders and holdings for the market, buyer and operator pages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from portal.accounts.models import Organisation, User
from portal.db import session
from portal.market import order_rules
from portal.market.models import (
    Batch,
    BatchStatus,
    BlockState,
    Listing,
    ListingStatus,
    Order,
    OrderStatus,
    SerialBlock,
)
from portal.market.serials import block_text
from portal.methodology.models import Methodology

PER_PAGE = 12
ORDERS_PER_PAGE = 20


def _paginate(stmt: Select[Any], page: int, per_page: int = PER_PAGE) -> Pagination:
    from portal.extensions import db

    return db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)


def list_open_listings(page: int = 1) -> Pagination:
    """Open listings, newest first."""
    stmt = (
        select(Listing)
        .where(Listing.status == ListingStatus.OPEN.value)
        .order_by(Listing.id.desc())
    )
    return _paginate(stmt, page)


def list_issued_batches(page: int = 1) -> Pagination:
    """Issued batches, newest first (the operator's listing page)."""
    stmt = select(Batch).where(Batch.status == BatchStatus.ISSUED.value).order_by(Batch.id.desc())
    return _paginate(stmt, page)


def get_batches(batch_ids: list[int]) -> dict[int, Batch]:
    return {b.id: b for b in session().scalars(select(Batch).where(Batch.id.in_(batch_ids)))}


def get_methodologies(batches: list[Batch]) -> dict[int, Methodology]:
    ids = {b.methodology_id for b in batches}
    rows = session().scalars(select(Methodology).where(Methodology.id.in_(ids)))
    return {m.id: m for m in rows}


def get_available_tonnes(batch_ids: list[int]) -> dict[int, int]:
    """Tonnes available to order in each batch (0 for none), one statement."""
    rows = session().execute(
        select(
            SerialBlock.batch_id,
            func.sum(SerialBlock.end_serial - SerialBlock.start_serial + 1),
        )
        .where(
            SerialBlock.batch_id.in_(batch_ids),
            SerialBlock.state == BlockState.AVAILABLE.value,
            SerialBlock.holder_org_id.is_(None),
        )
        .group_by(SerialBlock.batch_id)
    )
    found = {int(batch): int(tonnes) for batch, tonnes in rows}
    return {batch: found.get(batch, 0) for batch in batch_ids}


def get_open_listings(batch_ids: list[int]) -> dict[int, Listing]:
    """Each batch's open listing, where it has one."""
    rows = session().scalars(
        select(Listing).where(
            Listing.batch_id.in_(batch_ids), Listing.status == ListingStatus.OPEN.value
        )
    )
    return {listing.batch_id: listing for listing in rows}


def get_listing(listing_id: int) -> Listing | None:
    return session().get(Listing, listing_id)


def buyer_organisations(user: User) -> list[Organisation]:
    """The organisations ``user`` may buy for, by Chinese name."""
    orgs = [
        m.organisation
        for m in user.memberships
        if order_rules.may_buy_for(m.organisation.kind, m.role)
    ]
    return sorted(orgs, key=lambda org: org.name_zh)


def list_orders_of(org_ids: list[int], page: int = 1) -> Pagination:
    """The orders of these organisations, newest first."""
    stmt = select(Order).where(Order.buyer_org_id.in_(org_ids)).order_by(Order.id.desc())
    return _paginate(stmt, page, ORDERS_PER_PAGE)


def list_all_orders(status: str | None, page: int = 1) -> Pagination:
    """Every order, or those of one status; reserved ones soonest to expire first."""
    stmt = select(Order)
    if status in {s.value for s in OrderStatus}:
        stmt = stmt.where(Order.status == status)
    if status == OrderStatus.RESERVED.value:
        stmt = stmt.order_by(Order.expires_at, Order.id)
    else:
        stmt = stmt.order_by(Order.id.desc())
    return _paginate(stmt, page, ORDERS_PER_PAGE)


def get_order(order_id: int) -> Order | None:
    return session().get(Order, order_id)


@dataclass(frozen=True)
class Holding:
    """The tonnes an organisation holds of one batch and their serial ranges as text."""

    batch: Batch
    tonnes: int
    ranges: tuple[str, ...]


def list_holdings(org_id: int) -> list[Holding]:
    """The blocks ``org_id`` holds (state ``held``), grouped by batch, oldest batch first."""
    blocks = session().scalars(
        select(SerialBlock)
        .where(SerialBlock.holder_org_id == org_id, SerialBlock.state == BlockState.HELD.value)
        .order_by(SerialBlock.batch_id, SerialBlock.start_serial)
    )
    by_batch: dict[int, list[SerialBlock]] = defaultdict(list)
    for block in blocks:
        by_batch[block.batch_id].append(block)
    batches = get_batches(list(by_batch))
    return [
        Holding(
            batch=batches[batch_id],
            tonnes=sum(b.tonnes for b in own),
            ranges=tuple(
                block_text(batches[batch_id].label, b.start_serial, b.end_serial) for b in own
            ),
        )
        for batch_id, own in by_batch.items()
    ]
