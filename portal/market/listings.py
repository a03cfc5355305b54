"""The operator's listings, one transaction each and audited: offer an issued batch's
available tonnes at a fixed price per tonne in fen, close the offer, or relist it at a new
price. Only a platform administrator (the operator) may call them (NotAllowed otherwise).

One open listing per batch: opening locks the batch row (``holdings.lock_batches``) before it
looks for an open listing, so two operators listing one batch at once list it once. Closing or
relisting locks the listing row; orders copy the price, so neither changes what an order
already placed costs, and reserved tonnes stay reserved until paid, cancelled or expired.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import session, transaction
from portal.errors import Conflict, NotAllowed, NotFound
from portal.market import holdings, order_rules
from portal.market.holdings import Source
from portal.market.models import Batch, BatchStatus, BlockState, Listing, ListingStatus


def _require_operator(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed(_l("Only the operator may list tonnes for sale."))


def list_batch(*, actor: User, batch_id: int, price: Any, ip: str | None = None) -> Listing:
    """Open a listing of issued batch ``batch_id`` at ``price`` (fen, or yuan as typed text)
    per tonne. Conflict when the batch is not issued, has nothing available or is listed."""
    _require_operator(actor)
    fen = order_rules.price_fen(price)
    with transaction():
        listing = _open(actor, batch_id, fen)
        _audit("registry.listing_opened", actor, listing, ip)
    return listing


def close_listing(*, actor: User, listing_id: int, ip: str | None = None) -> Listing:
    """Close an open listing: no new order may be placed on it."""
    _require_operator(actor)
    with transaction():
        listing = _close(listing_id)
        _audit("registry.listing_closed", actor, listing, ip)
    return listing


def relist(*, actor: User, listing_id: int, price: Any, ip: str | None = None) -> Listing:
    """Close an open listing and open its batch again at a new ``price``, in one step."""
    _require_operator(actor)
    fen = order_rules.price_fen(price)
    with transaction():
        old = _close(listing_id)
        listing = _open(actor, old.batch_id, fen)
        _audit("registry.listing_relisted", actor, listing, ip, replaces=old.id)
    return listing


def lock_listing(listing_id: int) -> Listing:
    """The listing row, ``SELECT … FOR UPDATE`` (NotFound if there is none)."""
    listing = session().scalar(select(Listing).where(Listing.id == listing_id).with_for_update())
    if listing is None:
        raise NotFound(_l("No such listing."))
    return listing


def _open(actor: User, batch_id: int, fen: int) -> Listing:
    holdings.lock_batches([batch_id])
    batch = session().get(Batch, batch_id)
    if batch is None:
        raise NotFound(_l("No such batch."))
    if batch.status != BatchStatus.ISSUED.value:
        raise Conflict(_l("Only an issued batch can be listed."))
    listed = session().scalar(
        select(Listing.id).where(
            Listing.batch_id == batch_id, Listing.status == ListingStatus.OPEN.value
        )
    )
    if listed is not None:
        raise Conflict(_l("This batch is listed already. Close or relist that listing."))
    if not holdings.available_tonnes(Source(BlockState.AVAILABLE, batch_id=batch_id)):
        raise Conflict(_l("This batch has no available tonnes to list."))
    listing = Listing(batch_id=batch_id, price_fen_per_tonne=fen, listed_by_id=actor.id)
    session().add(listing)
    session().flush()
    return listing


def _close(listing_id: int) -> Listing:
    listing = lock_listing(listing_id)
    if listing.status != ListingStatus.OPEN.value:
        raise Conflict(_l("This listing is closed already."))
    listing.status = ListingStatus.CLOSED.value
    listing.closed_at = utcnow()
    session().flush()
    return listing


def _audit(action: str, actor: User, listing: Listing, ip: str | None, **extra: int) -> None:
    record_audit(
        action,
        actor_id=actor.id,
        subject_type="registry_listing",
        subject_id=listing.id,
        ip=ip,
        details={
            "batch_id": listing.batch_id,
            "price_fen_per_tonne": listing.price_fen_per_tonne,
            **extra,
        },
    )
