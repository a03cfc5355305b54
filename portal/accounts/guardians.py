"""Guardian consent for citizens under 14 (PIPL Art. 31), one transaction per command.

A minor cannot redeem or donate points until a guardian agrees. The minor names the guardian's
mobile number or email and gets a link holding a random token (shown once; only its SHA-256 is
stored), valid seven days; a newer invitation replaces the older. An adult (surely 18, see
``rules``) logged in with the account that has that number or email opens the link, confirms,
and a ``GuardianConsent`` is recorded (who, when, for whom, under which privacy-notice version),
audited, and the minor told in their inbox. The guardian may withdraw it at any time.

Locks: every command here takes the minor's user row ``FOR NO KEY UPDATE`` first, as a
redemption does before it checks ``may_spend_points``, so a withdrawal and a redemption run one
after the other and a redemption that starts after a withdrawal commits is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal.accounts.audit import record_audit
from portal.accounts.identity import parse_identifier
from portal.accounts.models import ConsentEnd, GuardianConsent, GuardianInvitation, User
from portal.accounts.queries import get_consent_in_force, get_invitation_by_digest
from portal.accounts.rules import (
    INVITATION_LIFETIME,
    birth_year_problem,
    is_adult,
    is_minor,
    is_token,
    new_token,
    token_digest,
)
from portal.clock import local_today, utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.notifications.kinds import GUARDIAN_CONSENT_ENDED, GUARDIAN_CONSENTED
from portal.notifications.services import post

GUARDIAN_NEEDED = _l(
    "You are under 14: a guardian must agree before you can redeem or donate points."
)
NOT_VALID = _l("This guardian link is not valid. Ask for a new one.")
ALREADY_AGREED = _l("A guardian has already agreed for this account.")


@dataclass(frozen=True)
class Invited:
    """A new invitation and its token, which only this return value ever holds."""

    invitation: GuardianInvitation
    token: str


def lock_user(user_id: int) -> User:
    """The user row, locked ``FOR NO KEY UPDATE`` (flush-only; NotFound if missing or deleted).
    Foreign-key inserts naming the row (``FOR KEY SHARE``) are not blocked."""
    user = (
        session()
        .scalars(
            select(User)
            .where(User.id == user_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        .first()
    )
    if user is None or user.deleted_at is not None:
        raise NotFound(_l("No such account."))
    return user


def require_may_spend(user_id: int) -> None:
    """NotAllowed (``GUARDIAN_NEEDED``) unless ``user_id`` may spend points now (the rule of
    ``queries.may_spend_points``). Flush-only, for the mall's and the welfare's services: it
    locks the user row when the user is a minor, so a withdrawal committing meanwhile counts."""
    user = session().get(User, user_id)
    if user is None or not is_minor(user.birth_year, local_today()):
        return
    lock_user(user_id)
    if get_consent_in_force(user_id) is None:
        raise NotAllowed(GUARDIAN_NEEDED)


def invite_guardian(*, minor_id: int, contact: str, ip: str | None = None) -> Invited:
    """The minor ``minor_id`` (under 14, no consent in force) asks the guardian reachable at
    ``contact`` (a mainland mobile number or an email, not the minor's own) to agree. Earlier
    open invitations are cancelled; the new one expires in seven days. Audited
    (``guardian.invited``, with the contact masked). The holder calls it for themself."""
    identifier = parse_identifier(contact)
    if identifier is None:
        raise InvalidInput(
            _l("Enter your guardian's mainland mobile number (11 digits) or email address."),
            field="contact",
        )
    now = utcnow()
    with transaction() as db:
        minor = lock_user(minor_id)
        if not is_minor(minor.birth_year, local_today()):
            raise NotAllowed(_l("Only account holders under 14 need a guardian's consent."))
        if get_consent_in_force(minor_id) is not None:
            raise Conflict(ALREADY_AGREED)
        if identifier.value in (minor.phone, minor.email):
            raise InvalidInput(
                _l("Enter your guardian's mobile number or email, not your own."), field="contact"
            )
        _cancel_open(minor_id, now)
        token = new_token()
        invitation = GuardianInvitation(
            minor_id=minor_id,
            contact=identifier.value,
            token_sha256=token_digest(token),
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        db.add(invitation)
        db.flush()
        record_audit(
            "guardian.invited",
            actor_id=minor_id,
            subject_type="user",
            subject_id=minor_id,
            ip=ip,
            details={"invitation_id": invitation.id, "contact": _masked(identifier.value)},
        )
    return Invited(invitation, token)


def _masked(contact: str) -> str:
    if "@" in contact:
        name, _, domain = contact.partition("@")
        return f"{name[:2]}***@{domain}"
    return f"{contact[:3]}****{contact[-4:]}"


def _cancel_open(minor_id: int, now: datetime) -> None:
    session().execute(
        update(GuardianInvitation)
        .where(
            GuardianInvitation.minor_id == minor_id,
            GuardianInvitation.accepted_at.is_(None),
            GuardianInvitation.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )


def find_invitation(token: str, now: datetime) -> GuardianInvitation:
    """The open invitation of ``token``, or the domain error that says why it cannot be used:
    NotFound for a malformed or unknown (forged) token, Conflict if used, replaced or
    expired. For the confirmation page and ``accept_invitation``."""
    invitation = get_invitation_by_digest(token_digest(token)) if is_token(token) else None
    if invitation is None:
        raise NotFound(NOT_VALID)
    if invitation.accepted_at is not None:
        raise Conflict(_l("This guardian link has already been used."))
    if invitation.cancelled_at is not None:
        raise Conflict(_l("This guardian link was replaced by a newer one. Ask for the new one."))
    if invitation.expires_at <= now:
        raise Conflict(_l("This guardian link has expired. Ask for a new one."))
    return invitation


def accept_invitation(
    *,
    guardian_id: int,
    token: str,
    notice_version: str,
    birth_year: int | None = None,
    ip: str | None = None,
) -> GuardianConsent:
    """The logged-in ``guardian_id`` agrees, through the link of ``token``, that the minor who
    made it may use the points mall and donations, under ``notice_version`` of the privacy
    notice. Refused: a bad, used, replaced or expired token (``find_invitation``); the minor
    themself; an account not surely 18 (``birth_year`` is asked, stored and audited when the
    guardian's account has none); an account whose mobile number and email both differ from
    the one invited; a minor who already has a consent in force. Audited
    (``guardian.consented``); the minor is notified."""
    now = utcnow()
    with transaction() as db:
        invitation = find_invitation(token, now)
        lock_user(invitation.minor_id)
        db.refresh(invitation, with_for_update=True)
        invitation = find_invitation(token, now)  # a racing acceptance may have committed
        if guardian_id == invitation.minor_id:
            raise NotAllowed(_l("You cannot give consent for your own account."))
        guardian = db.get(User, guardian_id)
        if guardian is None or guardian.deleted_at is not None:
            raise NotFound(_l("No such account."))
        if guardian.birth_year is None and birth_year is not None:
            _record_birth_year(guardian, birth_year, ip)
        if guardian.birth_year is None:
            raise InvalidInput(_l("Enter your year of birth."), field="birth_year")
        if not is_adult(guardian.birth_year, local_today()):
            raise NotAllowed(_l("Only an adult (18 or over) may agree as a guardian."))
        if invitation.contact not in (guardian.phone, guardian.email):
            raise NotAllowed(
                _l(
                    "This link was made for another mobile number or email. "
                    "Log in with the account that uses it."
                )
            )
        if get_consent_in_force(invitation.minor_id) is not None:
            raise Conflict(ALREADY_AGREED)
        consent = GuardianConsent(
            minor_id=invitation.minor_id,
            guardian_id=guardian_id,
            invitation_id=invitation.id,
            notice_version=notice_version,
            consented_at=now,
        )
        with unless_taken(Conflict(ALREADY_AGREED)), db.begin_nested():
            db.add(consent)
        invitation.accepted_at, invitation.accepted_by_id = now, guardian_id
        _cancel_open(invitation.minor_id, now)
        post(invitation.minor_id, GUARDIAN_CONSENTED, {}, key=f"guardian:consent:{consent.id}")
        record_audit(
            "guardian.consented",
            actor_id=guardian_id,
            subject_type="user",
            subject_id=invitation.minor_id,
            ip=ip,
            details={"consent_id": consent.id, "notice_version": notice_version},
        )
    return consent


def _record_birth_year(user: User, birth_year: int, ip: str | None) -> None:
    problem = birth_year_problem(birth_year, local_today())
    if problem is not None:
        raise InvalidInput(problem, field="birth_year")
    user.birth_year = birth_year
    record_audit(
        "account.birth_year_recorded",
        actor_id=user.id,
        subject_type="user",
        subject_id=user.id,
        ip=ip,
    )


def withdraw_consent(*, guardian_id: int, consent_id: int, ip: str | None = None) -> None:
    """The guardian ``guardian_id`` withdraws their consent ``consent_id`` (NotFound if it is
    not theirs); from the commit on the minor cannot spend points. Withdrawing a consent that
    has already ended changes nothing. Audited (``guardian.withdrawn``); the minor is told."""
    with transaction() as db:
        consent = db.get(GuardianConsent, consent_id)
        if consent is None or consent.guardian_id != guardian_id:
            raise NotFound(_l("No such consent."))
        lock_user(consent.minor_id)
        db.refresh(consent)
        if consent.ended_at is not None:
            return
        end_consent(consent, ConsentEnd.WITHDRAWN, utcnow())
        record_audit(
            "guardian.withdrawn",
            actor_id=guardian_id,
            subject_type="user",
            subject_id=consent.minor_id,
            ip=ip,
            details={"consent_id": consent.id},
        )


def end_consent(consent: GuardianConsent, why: ConsentEnd, now: datetime) -> None:
    """End ``consent`` for ``why`` and tell the minor, unless it is their own deletion
    (flush-only; the caller holds the minor's row and audits)."""
    consent.ended_at, consent.end_code = now, why.value
    if why is not ConsentEnd.MINOR_DELETED:
        post(
            consent.minor_id,
            GUARDIAN_CONSENT_ENDED,
            {"reason": why.value},
            key=f"guardian:ended:{consent.id}",
        )
    session().flush()
