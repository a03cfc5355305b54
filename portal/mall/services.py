"""Mall commands, one transaction each: redeem points for a voucher, cancel it (refund), check
it at the merchant (核销), expire the vouchers whose window has ended.

Concurrency (no global lock; many redemptions run at once): a unit of stock is taken by a
conditional ``UPDATE offers … WHERE inventory > 0`` checked by its row count, so the last unit
goes to exactly one citizen; the per-person limit is counted under a lock of the citizen's own
user row, so one citizen's parallel requests are counted one after another; the points move by
a ledger posting keyed by the redeem form's one-time token, so a replayed request debits once.
Every status change is a conditional UPDATE from ``unused``: of two staff checking at once one
wins and the other is told it was already checked. Lock order: user row, offer row, ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.audit import record_audit
from portal.accounts.guardians import require_may_spend
from portal.accounts.models import Organisation, User
from portal.clock import utcnow
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotFound
from portal.ledger import services as ledger
from portal.ledger.models import AccountKind
from portal.mall.models import Voucher, VoucherStatus
from portal.mall.queries import count_held, get_merchant_voucher, get_user_voucher
from portal.mall.rules import is_request_key, new_code, normalise_code, serves_city
from portal.merchants.models import Merchant, Offer, OfferRevision, OfferStatus
from portal.merchants.queries import get_staff_merchant
from portal.notifications.kinds import VOUCHER_CHECKED, VOUCHER_ISSUED
from portal.notifications.services import post


class _Replayed(Exception):
    """This request's token already redeemed (inside the transaction, which rolls back)."""


def voucher_link(voucher_id: int) -> str:
    return f"/mall/vouchers/{voucher_id}"


def redeem(*, user: User, offer_id: int, request_key: str) -> Voucher:
    """Spend the offer's current points cost on one voucher for ``user`` (a citizen).

    ``request_key`` is the one-time token of the confirmation form: the same token again (a
    replayed or doubled POST) returns the voucher it already issued and debits nothing more.
    Refuses (Conflict, nothing written) a paused or ended offer, one not yet started, one not
    for the citizen's city, no stock left, the per-person limit reached, too few points;
    NotAllowed for a citizen under 14 without a guardian's consent; NotFound for an
    unpublished or unknown offer."""
    if not is_request_key(request_key):
        raise InvalidInput(_l("This form has expired. Open the offer again."))
    try:
        with transaction():
            return _issue(user, offer_id, request_key)
    except _Replayed:
        pass
    voucher = session().scalar(
        select(Voucher).where(Voucher.request_key == request_key, Voucher.user_id == user.id)
    )
    if voucher is None:
        raise InvalidInput(_l("This form has expired. Open the offer again."))
    return voucher


def _redeemable(user: User, offer_id: int) -> tuple[Offer, OfferRevision, Merchant]:
    """The offer, its current revision and merchant, if ``user`` may redeem it now."""
    db = session()
    row = db.execute(
        select(Offer, OfferRevision, Merchant)
        .join(OfferRevision, OfferRevision.id == Offer.current_revision_id)
        .join(Merchant, Merchant.id == Offer.merchant_id)
        .where(Offer.id == offer_id)
    ).first()
    if row is None or row[0].status == OfferStatus.DRAFT.value:
        raise NotFound(_l("No such offer."))
    offer, revision, merchant = row
    now = utcnow()
    if offer.status != OfferStatus.PUBLISHED.value:
        raise Conflict(_l("This offer is paused: it cannot be redeemed now."))
    if now < revision.valid_from:
        raise Conflict(_l("This offer has not started yet."))
    if now >= revision.valid_until:
        raise Conflict(_l("This offer has ended."))
    if not serves_city(revision.city_codes, user.city_code):
        raise Conflict(_l("This offer is not available in your city."))
    return offer, revision, merchant


def _take_unit(offer: Offer, revision: OfferRevision) -> None:
    taken = session().execute(
        update(Offer)
        .where(
            Offer.id == offer.id,
            Offer.inventory > 0,
            Offer.status == OfferStatus.PUBLISHED.value,
            Offer.current_revision_id == revision.id,
        )
        .values(inventory=Offer.inventory - 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return
    session().refresh(offer)
    if offer.inventory == 0:
        raise Conflict(_l("Sold out: no units of this offer are left."))
    raise Conflict(_l("The offer changed meanwhile. Look at it again before redeeming."))


def _issue(user: User, offer_id: int, request_key: str) -> Voucher:
    db = session()
    if db.scalar(select(Voucher.id).where(Voucher.request_key == request_key)) is not None:
        raise _Replayed
    offer, revision, merchant = _redeemable(user, offer_id)
    # FOR NO KEY UPDATE, not FOR UPDATE: a donation of the same citizen, holding their ledger
    # account, inserts its certificate (a foreign key: FOR KEY SHARE on this row), which
    # FOR UPDATE would block while this waits for the ledger account: a deadlock.
    db.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    require_may_spend(user.id)  # under 14: a guardian's consent, read under the lock
    if count_held(offer.id, user.id) >= revision.per_person_limit:
        raise Conflict(
            _l(
                "You already hold as many vouchers of this offer as one person may (%(limit)s).",
                limit=revision.per_person_limit,
            )
        )
    _take_unit(offer, revision)
    voucher = Voucher(
        code=new_code(),
        request_key=request_key,
        offer_id=offer.id,
        revision_id=revision.id,
        merchant_id=merchant.id,
        user_id=user.id,
        points_cost=revision.points_cost,
        status=VoucherStatus.UNUSED.value,
        issued_at=utcnow(),
        expires_at=revision.valid_until,
    )
    db.add(voucher)
    try:
        db.flush()
    except IntegrityError as exc:  # the same token, committed by a racing request meanwhile
        raise _Replayed from exc  # no savepoint: redeem() rolls the whole transaction back
    citizen = ledger.ensure_user_accounts([user.id])[user.id]
    shop = ledger.owned_account_id(AccountKind.MERCHANT, merchant.organisation_id)
    posted = ledger.append(
        [
            ledger.Posting(
                f"redeem:{request_key}",
                "redemption",
                ((citizen, -revision.points_cost), (shop, revision.points_cost)),
                {"voucher_id": voucher.id, "offer_id": offer.id, "revision_id": revision.id},
            )
        ]
    )
    if posted[0] is None:
        raise _Replayed
    post(
        user.id,
        VOUCHER_ISSUED,
        {
            "offer_title_zh": revision.title_zh,
            "offer_title_en": revision.title_en,
            "points": revision.points_cost,
            "voucher_code": voucher.display_code,
        },
        voucher_link(voucher.id),
        key=f"{VOUCHER_ISSUED}:{voucher.id}",
    )
    record_audit(
        "voucher.issued",
        actor_id=user.id,
        subject_type="voucher",
        subject_id=voucher.id,
        details={"offer_id": offer.id, "points_cost": revision.points_cost},
    )
    return voucher


def _refusal(voucher: Voucher) -> Conflict:
    """Why an ``unused → …`` move did not happen, from the voucher as it is now."""
    session().refresh(voucher)
    if voucher.status == VoucherStatus.USED.value:
        return Conflict(_l("Already checked: this voucher has been used."))
    if voucher.status == VoucherStatus.CANCELLED.value:
        return Conflict(_l("This voucher was cancelled; its points were refunded."))
    return Conflict(_l("This voucher has expired."))


def _move(voucher: Voucher, target: VoucherStatus, now: datetime, **values: Any) -> None:
    moved = session().execute(
        update(Voucher)
        .where(
            Voucher.id == voucher.id,
            Voucher.status == VoucherStatus.UNUSED.value,
            Voucher.expires_at > now,
        )
        .values(status=target.value, **values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise _refusal(voucher)
    session().refresh(voucher)


def cancel(*, user: User, voucher_id: int) -> Voucher:
    """The holder gives back an unused voucher: its points are refunded (merchant → citizen)
    and its unit goes back into stock, once. Conflict for a used, expired or cancelled one;
    NotFound for someone else's."""
    with transaction():
        found = get_user_voucher(user.id, voucher_id)
        if found is None:
            raise NotFound(_l("No such voucher."))
        cancel_unused(found[0], actor_id=user.id)
    return found[0]


def cancel_unused(voucher: Voucher, *, actor_id: int | None) -> None:
    """Cancel an unused, unexpired voucher inside the caller's transaction (flush-only): refund
    its points (merchant → holder, keyed by the voucher, so once), put its unit back into stock
    and audit it. ``actor_id`` is the holder, or None for the platform (an account deletion).
    Conflict, with why, for a voucher no longer unused."""
    db = session()
    merchant = db.get(Merchant, voucher.merchant_id)
    assert merchant is not None
    now = utcnow()
    _move(voucher, VoucherStatus.CANCELLED, now, cancelled_at=now)
    db.execute(
        update(Offer)
        .where(Offer.id == voucher.offer_id)
        .values(inventory=Offer.inventory + 1)
        .execution_options(synchronize_session=False)
    )
    citizen = ledger.ensure_user_accounts([voucher.user_id])[voucher.user_id]
    shop = ledger.owned_account_id(AccountKind.MERCHANT, merchant.organisation_id)
    ledger.append(
        [
            ledger.Posting(
                f"refund:{voucher.id}",
                "redemption.refund",
                ((shop, -voucher.points_cost), (citizen, voucher.points_cost)),
                {"voucher_id": voucher.id},
            )
        ]
    )
    record_audit(
        "voucher.cancelled",
        actor_id=actor_id,
        subject_type="voucher",
        subject_id=voucher.id,
        details={"points_refunded": voucher.points_cost},
    )


def find_for_check(*, actor: User, merchant_id: int, code: str) -> tuple[Voucher, OfferRevision]:
    """The voucher a typed or scanned ``code`` names, if it is one of this merchant's and
    ``actor`` is its staff (InvalidInput for what cannot be a code, NotFound otherwise: a
    made-up code and another merchant's voucher get the same answer)."""
    normal = normalise_code(code)
    if normal is None:
        raise InvalidInput(_l("A voucher code is 16 letters and digits."), field="code")
    if get_staff_merchant(actor.id, merchant_id) is None:
        raise NotFound(_l("No such merchant."))
    found = get_merchant_voucher(merchant_id, normal)
    if found is None:
        raise NotFound(_l("No voucher of this merchant has this code."), field="code")
    return found[0], found[1]


def check(*, actor: User, merchant_id: int, code: str) -> Voucher:
    """Staff of the merchant confirm an unused voucher as used (核销), once: a second check, an
    expired or a cancelled voucher is refused with why (Conflict). The holder is notified."""
    with transaction() as db:
        voucher, revision = find_for_check(actor=actor, merchant_id=merchant_id, code=code)
        now = utcnow()
        _move(voucher, VoucherStatus.USED, now, used_at=now, checked_by_id=actor.id)
        merchant = db.get(Merchant, merchant_id)
        assert merchant is not None
        org = db.get(Organisation, merchant.organisation_id)
        assert org is not None
        post(
            voucher.user_id,
            VOUCHER_CHECKED,
            {
                "offer_title_zh": revision.title_zh,
                "offer_title_en": revision.title_en,
                "merchant_zh": org.name_zh,
                "merchant_en": org.name_en,
            },
            voucher_link(voucher.id),
            key=f"{VOUCHER_CHECKED}:{voucher.id}",
        )
        record_audit(
            "voucher.checked",
            actor_id=actor.id,
            subject_type="voucher",
            subject_id=voucher.id,
            details={"merchant_id": merchant_id},
        )
    return voucher


def expire_vouchers(now: datetime | None = None) -> int:
    """Mark every unused voucher whose window has ended as expired; returns how many. One
    conditional UPDATE, so a rerun (or a run killed and rerun) expires nothing twice."""
    moment = now or utcnow()
    with transaction() as db:
        result = db.execute(
            update(Voucher)
            .where(Voucher.status == VoucherStatus.UNUSED.value, Voucher.expires_at <= moment)
            .values(status=VoucherStatus.EXPIRED.value, expired_at=moment)
            .execution_options(synchronize_session=False)
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
