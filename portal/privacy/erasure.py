"""What an account deletion erases or closes, table by table: flush-only helpers for
``services.delete_account``, inside its transaction.

Kept under the same (now pseudonymous) user id: ledger rows, reductions, records with their
quantities and times, vouchers, donations, certificates (revoked) and the city (statistics).
Erased: phone, email, password, display name, district, language, birth year, the public
listing choice (reset to not listed), uploaded photos, the free text of records, partner links
and link codes, notifications and memberships. Guardian consent: see ``erase_guardianship``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, select, update

from portal.accounts.guardians import end_consent, lock_user
from portal.accounts.models import (
    ConsentEnd,
    GuardianConsent,
    GuardianInvitation,
    Membership,
    User,
)
from portal.activities.models import (
    AccountLink,
    BehaviorRecord,
    Evidence,
    LinkCode,
    RecordStatus,
)
from portal.activities.reasons import ACCOUNT_DELETED
from portal.db import session
from portal.notifications.models import Notification

WAITING = (RecordStatus.PENDING.value, RecordStatus.FLAGGED.value)


def new_pseudonym() -> str:
    """The display name a deleted account keeps: ``deleted-`` and ten random hex digits, which
    say nothing about the person (pages show "Deleted account" in the reader's language)."""
    return f"deleted-{secrets.token_hex(5)}"


def close_waiting_records(user_id: int) -> int:
    """Reject the user's records still waiting (pending quantification or review) with the
    reason ``account_deleted``, so they never earn points; returns how many. On PostgreSQL the
    UPDATE waits for a quantify batch that has claimed some of them, and then skips them."""
    result = session().execute(
        update(BehaviorRecord)
        .where(BehaviorRecord.user_id == user_id, BehaviorRecord.status.in_(WAITING))
        .values(status=RecordStatus.REJECTED.value, review_code=ACCOUNT_DELETED, review_params={})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def erase_evidence(user_id: int) -> list[tuple[str, str]]:
    """Detach and delete the user's uploaded photos; return the (sha256, content type) of the
    files nobody else's upload shares, for the caller to remove once the deletion commits (a
    file is stored once per content, so another upload of the same bytes keeps it)."""
    db = session()
    mine = select(Evidence.id).where(Evidence.uploaded_by_id == user_id)
    stored = set(
        db.execute(select(Evidence.sha256, Evidence.content_type).where(Evidence.id.in_(mine)))
    )
    if not stored:
        return []
    db.execute(
        update(BehaviorRecord)
        .where(BehaviorRecord.evidence_id.in_(mine))
        .values(evidence_id=None)
        .execution_options(synchronize_session=False)
    )
    db.execute(
        delete(Evidence)
        .where(Evidence.uploaded_by_id == user_id)
        .execution_options(synchronize_session=False)
    )
    shared = set(
        db.scalars(select(Evidence.sha256).where(Evidence.sha256.in_({s for s, _ in stored})))
    )
    return sorted((sha, kind) for sha, kind in stored if sha not in shared)


def erase_links_and_texts(user_id: int) -> None:
    """Remove the user's partner links and link codes, notifications and memberships, and the
    free text of their records (notes, appeal comments)."""
    db = session()
    db.execute(
        update(BehaviorRecord)
        .where(BehaviorRecord.user_id == user_id)
        .values(note="", appeal_comment=None)
        .execution_options(synchronize_session=False)
    )
    for table, column in (
        (AccountLink, AccountLink.user_id),
        (LinkCode, LinkCode.user_id),
        (Notification, Notification.user_id),
        (Membership, Membership.user_id),
    ):
        db.execute(
            delete(table).where(column == user_id).execution_options(synchronize_session=False)
        )


def erase_user(user: User, pseudonym: str, now: datetime) -> None:
    """Erase the account's personal data and end every session: phone and email NULL (free to
    register again), an unusable password hash, the pseudonym as display name, no district or
    language, the session version bumped, the account disabled and marked deleted. The city
    stays, for statistics."""
    user.phone = None
    user.email = None
    # werkzeug reads a hash as "method$salt$hash": this one matches no password.
    user.password_hash = f"!deleted!{secrets.token_hex(16)}"
    user.display_name = pseudonym
    user.district = None
    user.locale = None
    user.birth_year = None
    user.is_publicly_listed = False
    user.session_version += 1
    user.is_disabled = True
    user.is_admin = False
    user.deleted_at = now
    session().expire(user, ["memberships"])
    session().flush()


def erase_guardianship(user_id: int, now: datetime) -> None:
    """Close what ties the deleted account to a guardian or a ward.

    As the minor: the consent in force ends (``minor_account_deleted``; the guardian is not
    notified, nothing of theirs changes); the invitations not accepted are deleted outright
    (they hold a third person's mobile number or email and prove nothing); the accepted one
    keeps its row, linked from the consent, with its contact erased.

    As the guardian: the consent rows they gave stay, so each minor keeps the fact that a
    guardian agreed on that day under that notice version (the basis on which their points
    were spent until now); the guardian id then names the pseudonymous row, shown as "Deleted
    account", as the ledger does. A consent still in force ends (``guardian_account_deleted``)
    and the minor is told: consent must stay revocable, and nobody could withdraw one whose
    giver has gone, so the minor asks a guardian again. The contact in the invitations they
    accepted (their own number or email, typed by the minor) is erased. Each minor's user row
    is locked first, as a withdrawal does, so a redemption in flight is counted before."""
    db = session()
    db.execute(
        delete(GuardianInvitation)
        .where(GuardianInvitation.minor_id == user_id, GuardianInvitation.accepted_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    db.execute(
        update(GuardianInvitation)
        .where(
            (GuardianInvitation.minor_id == user_id)
            | (GuardianInvitation.accepted_by_id == user_id)
        )
        .values(contact=None)
        .execution_options(synchronize_session=False)
    )
    in_force = db.scalars(
        select(GuardianConsent)
        .where(
            (GuardianConsent.minor_id == user_id) | (GuardianConsent.guardian_id == user_id),
            GuardianConsent.ended_at.is_(None),
        )
        .order_by(GuardianConsent.minor_id)
    ).all()
    for consent in in_force:
        if consent.minor_id == user_id:
            end_consent(consent, ConsentEnd.MINOR_DELETED, now)
            continue
        lock_user(consent.minor_id)
        end_consent(consent, ConsentEnd.GUARDIAN_DELETED, now)
