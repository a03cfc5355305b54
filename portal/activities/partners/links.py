"""Account links: a citizen's one-time link code, which a partner redeems to refer to them by
its own user reference from then on, and the citizen ending a link."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.accounts.audit import record_audit
from portal.activities.models import AccountLink, LinkCode
from portal.clock import utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotFound

LINK_CODE_TTL = timedelta(minutes=30)
LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


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


def link_partner_account(
    *, partner_id: int, code: str, user_ref: str, now: datetime | None = None
) -> tuple[AccountLink, bool]:
    """``link_account``, safe to retry: if this code already linked this citizen to this
    partner under this ``user_ref`` (a retried call), that link is returned. The flag says
    whether the link is new."""
    try:
        return link_account(
            partner_id=partner_id, code=code, partner_user_ref=user_ref, now=now
        ), True
    except InvalidInput as error:
        if error.field != "code":
            raise
        db = session()
        used = db.scalar(
            select(LinkCode).where(
                LinkCode.code == code.strip().upper(), LinkCode.used_at.is_not(None)
            )
        )
        existing = (
            db.scalar(
                select(AccountLink).where(
                    AccountLink.partner_id == partner_id,
                    AccountLink.user_id == used.user_id,
                    AccountLink.partner_user_ref == user_ref.strip(),
                    AccountLink.unlinked_at.is_(None),
                )
            )
            if used is not None
            else None
        )
        if existing is None:
            raise
        return existing, False
