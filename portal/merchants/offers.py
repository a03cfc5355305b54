"""Offers: merchant staff create them (draft), publish, pause and edit them. An edit never
changes a revision: it adds the next one and makes it current, so what a voucher was bought
under (its revision and the points cost copied onto it) stays as it was. Each command checks
that the actor is staff of the offer's merchant (NotFound otherwise, so another merchant's
offers are not even confirmed to exist) and is audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.clock import utcnow
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotFound
from portal.merchants.images import store_offer_image
from portal.merchants.models import Offer, OfferKind, OfferRevision, OfferStatus
from portal.merchants.queries import get_staff_merchant
from portal.merchants.rules import (
    MAX_INVENTORY,
    MAX_PER_PERSON,
    MAX_POINTS_COST,
    TERMS_MAX,
    city_codes,
    plain_text,
    whole_number,
)

# Which status each move starts from, and where it leads.
MOVES = {
    "publish": ({OfferStatus.DRAFT, OfferStatus.PAUSED}, OfferStatus.PUBLISHED),
    "pause": ({OfferStatus.PUBLISHED}, OfferStatus.PAUSED),
}


@dataclass(frozen=True)
class OfferTerms:
    """What one revision says. Points and counts are whole numbers; the window is
    ``[valid_from, valid_until)`` as aware datetimes; no cities means every city of Jilin."""

    title_zh: str
    title_en: str
    terms_zh: str
    terms_en: str
    points_cost: int
    inventory: int
    per_person_limit: int
    valid_from: datetime
    valid_until: datetime
    city_codes: Iterable[str] = ()


def _revision(terms: OfferTerms) -> OfferRevision:
    """An unsaved revision of these terms, each value checked (InvalidInput names the field)."""
    if terms.valid_from.tzinfo is None or terms.valid_until.tzinfo is None:
        raise ValueError("the validity window needs aware datetimes")
    if terms.valid_from >= terms.valid_until:
        raise InvalidInput(_l("The offer must end after it starts."), field="valid_until")
    if terms.valid_until <= utcnow():
        raise InvalidInput(_l("The end of the offer must be in the future."), field="valid_until")
    return OfferRevision(
        title_zh=plain_text(terms.title_zh, "title_zh", 80),
        title_en=plain_text(terms.title_en, "title_en", 120),
        terms_zh=plain_text(terms.terms_zh, "terms_zh", TERMS_MAX, multiline=True),
        terms_en=plain_text(terms.terms_en, "terms_en", TERMS_MAX, multiline=True),
        points_cost=whole_number(terms.points_cost, "points_cost", 1, MAX_POINTS_COST),
        inventory=whole_number(terms.inventory, "inventory", 0, MAX_INVENTORY),
        per_person_limit=whole_number(
            terms.per_person_limit, "per_person_limit", 1, MAX_PER_PERSON
        ),
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        city_codes=city_codes(terms.city_codes, "city_codes", allow_all=True),
    )


def create_offer(
    *,
    actor: User,
    merchant_id: int,
    kind: str,
    terms: OfferTerms,
    image: bytes,
    upload_dir: Path,
) -> Offer:
    """A draft offer of ``kind`` with its first revision and image. Staff of the merchant only."""
    if kind not in set(OfferKind):
        raise InvalidInput(_l("Choose the kind of offer."), field="kind")
    revision = _revision(terms)
    with transaction() as db:
        merchant = get_staff_merchant(actor.id, merchant_id)
        if merchant is None:
            raise NotFound(_l("No such merchant."))
        revision.image_id = store_offer_image(
            image, merchant_id=merchant.id, user_id=actor.id, upload_dir=upload_dir
        )
        offer = Offer(
            merchant_id=merchant.id, kind=kind, inventory=revision.inventory, created_by_id=actor.id
        )
        db.add(offer)
        db.flush()
        revision.offer_id, revision.number, revision.created_by_id = offer.id, 1, actor.id
        db.add(revision)
        db.flush()
        offer.current_revision_id = revision.id
        record_audit(
            "offer.created",
            actor_id=actor.id,
            subject_type="offer",
            subject_id=offer.id,
            details={"merchant_id": merchant.id, "points_cost": revision.points_cost},
        )
    return offer


def _locked_offer(actor: User, offer_id: int) -> tuple[Offer, OfferRevision]:
    """The offer (row-locked) and its current revision, if the actor is staff of its merchant."""
    db = session()
    offer = db.scalar(select(Offer).where(Offer.id == offer_id).with_for_update())
    if offer is None or get_staff_merchant(actor.id, offer.merchant_id) is None:
        raise NotFound(_l("No such offer."))
    current = db.get(OfferRevision, offer.current_revision_id)
    assert current is not None and current.offer_id == offer.id
    return offer, current


def revise_offer(
    *,
    actor: User,
    offer_id: int,
    terms: OfferTerms,
    seen_revision: int,
    seen_inventory: int,
    image: bytes | None,
    upload_dir: Path,
) -> OfferRevision:
    """Edit an offer: a new revision with these terms (and a new image, or the current one)
    becomes current; earlier revisions stay as they were. ``seen_revision`` is the revision
    number the form was opened on (Conflict if another edit came first). The stock moves by
    what the editor changed (``terms.inventory - seen_inventory``), so units the mall took
    meanwhile are not handed out again. Staff of the merchant only."""
    revision = _revision(terms)
    with transaction() as db:
        offer, current = _locked_offer(actor, offer_id)
        if current.number != seen_revision:
            raise Conflict(_l("Someone else has edited this offer meanwhile. Reload the page."))
        inventory = offer.inventory + revision.inventory - seen_inventory
        if inventory < 0:
            raise InvalidInput(
                _l("Fewer units are left than that change takes away."), field="inventory"
            )
        revision.inventory = inventory
        revision.image_id = (
            current.image_id
            if image is None
            else store_offer_image(
                image, merchant_id=offer.merchant_id, user_id=actor.id, upload_dir=upload_dir
            )
        )
        revision.offer_id, revision.number = offer.id, current.number + 1
        revision.created_by_id = actor.id
        db.add(revision)
        db.flush()
        offer.current_revision_id, offer.inventory = revision.id, inventory
        record_audit(
            "offer.revised",
            actor_id=actor.id,
            subject_type="offer",
            subject_id=offer.id,
            details={"revision": revision.number, "points_cost": revision.points_cost},
        )
    return revision


def move_offer(*, actor: User, offer_id: int, move: str) -> Offer:
    """Publish (from draft or paused) or pause (from published) an offer. An offer whose window
    has ended cannot be published until an edit gives it a new one. Staff of the merchant only."""
    if move not in MOVES:
        raise InvalidInput(_l("Unknown action."), field="move")
    sources, target = MOVES[move]
    with transaction():
        offer, current = _locked_offer(actor, offer_id)
        if OfferStatus(offer.status) not in sources:
            raise Conflict(_l("The offer is not in a state this action applies to."))
        if target is OfferStatus.PUBLISHED and current.valid_until <= utcnow():
            raise Conflict(_l("The offer has ended; give it a new end date before publishing."))
        offer.status = target.value
        if target is OfferStatus.PUBLISHED and offer.published_at is None:
            offer.published_at = utcnow()
        record_audit(
            f"offer.{target.value}",
            actor_id=actor.id,
            subject_type="offer",
            subject_id=offer.id,
            details={"revision": current.number},
        )
    return offer
