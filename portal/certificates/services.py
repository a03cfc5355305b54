"""Certificate commands: issue (idempotently), revoke with a reason, and issue the carbon
milestone certificates that citizens' reductions have reached. Each runs in one transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.certificates import queries
from portal.certificates.models import Certificate, CertificateKind
from portal.certificates.reasons import REVOCATION_REASONS
from portal.clock import utcnow
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound

# 16 random bytes: 128 bits, 22 URL-safe characters; nobody finds a certificate by guessing.
CODE_BYTES = 16
TEXT_FIELDS = ("title_zh", "title_en", "description_zh", "description_en")


@dataclass(frozen=True)
class CertificateText:
    """What a certificate says, in both languages: its title and what it certifies."""

    title_zh: str
    title_en: str
    description_zh: str
    description_en: str

    def __post_init__(self) -> None:
        for name in TEXT_FIELDS:
            if not getattr(self, name).strip():
                raise InvalidInput(
                    _l("A certificate needs a title and a description in Chinese and English."),
                    field=name,
                )


def new_code() -> str:
    """A fresh certificate code that does not start with "-" or "_", so it is never read as an
    option on a command line (``flask certificates revoke CODE``) nor lost at a link's edge."""
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if code[0] not in "-_":
            return code


def public_alias(user: User) -> str:
    """The name a certificate shows for its holder: the public alias, never a login."""
    return user.display_name


def issue_certificate(
    kind: CertificateKind,
    subject: User,
    text: CertificateText,
    *,
    achievement_key: str,
    idempotency_key: str,
    details: dict[str, Any] | None = None,
) -> Certificate:
    """Issue a certificate of ``kind`` to ``subject``, or return the one already issued under
    ``idempotency_key`` (the same key for the same subject and kind returns the first
    certificate, also when two callers race). Called by the services that decide an
    achievement (milestones here, donations in rewards), never from a request directly.
    ``details`` are JSON parameters kept with it (grams, points, a project id)."""
    with transaction():
        existing = _by_idempotency_key(idempotency_key)
        if existing is not None:
            return _same_or_conflict(existing, kind, subject)
        cert = Certificate(
            code=new_code(),
            kind=kind.value,
            subject_id=subject.id,
            subject_alias=public_alias(subject),
            achievement_key=achievement_key,
            idempotency_key=idempotency_key,
            details=details or {},
            **{name: getattr(text, name).strip() for name in TEXT_FIELDS},
        )
        try:
            with session().begin_nested():
                session().add(cert)
        except IntegrityError:
            winner = _by_idempotency_key(idempotency_key)
            if winner is None:
                raise
            return _same_or_conflict(winner, kind, subject)
        record_audit(
            "certificate.issue",
            actor_id=None,
            subject_type="certificate",
            subject_id=cert.id,
            details={"user_id": subject.id, "achievement": achievement_key},
        )
        return cert


def _by_idempotency_key(key: str) -> Certificate | None:
    return session().scalars(select(Certificate).where(Certificate.idempotency_key == key)).first()


def _same_or_conflict(cert: Certificate, kind: CertificateKind, subject: User) -> Certificate:
    if cert.kind != kind.value or cert.subject_id != subject.id:
        raise Conflict(_l("That idempotency key was used for another certificate."))
    return cert


def revoke_certificate(
    code: str, reason: str, *, actor: User | None, ip: str | None = None
) -> Certificate:
    """Revoke the certificate ``code`` for ``reason`` (a code of ``REVOCATION_REASONS``).

    An administrator may revoke any certificate; ``actor=None`` is the platform itself (an
    account deletion, a reversed donation). Revoking twice is refused; the row is kept and
    ``/verify`` shows the reason. Audited."""
    if actor is not None and not actor.is_admin:
        raise NotAllowed(_l("Only an administrator may revoke a certificate."))
    if reason not in REVOCATION_REASONS:
        raise InvalidInput(_l("Choose a reason for the revocation."), field="reason")
    with transaction():
        cert = queries.get_certificate(code, for_update=True)
        if cert is None:
            raise NotFound(_l("There is no certificate with that code."))
        if cert.is_revoked:
            raise Conflict(_l("This certificate is already revoked."))
        cert.revoked_at = utcnow()
        cert.revoked_reason = reason
        cert.revoked_by_id = actor.id if actor else None
        session().flush()
        record_audit(
            "certificate.revoke",
            actor_id=cert.revoked_by_id,
            subject_type="certificate",
            subject_id=cert.id,
            ip=ip,
            details={"reason": reason, "user_id": cert.subject_id},
        )
        return cert


def withdraw_holder_certificates(user_id: int, *, alias: str, reason: str) -> int:
    """Revoke every certificate of ``user_id`` not yet revoked, for ``reason``, by the platform,
    and show ``alias`` as the holder on all of them (revoked ones too): for an account
    deletion, whose certificates stay verifiable as revoked but no longer name the person.
    A retirement certificate stays valid: it certifies what an organisation retired, which the
    person's leaving does not undo. Inside the caller's transaction; returns how many were
    revoked."""
    with transaction():
        revoked = 0
        for cert in queries.list_certificates(user_id):
            if not cert.is_revoked and cert.kind != CertificateKind.RETIREMENT.value:
                revoke_certificate(cert.code, reason, actor=None)
                revoked += 1
            cert.subject_alias = alias
        session().flush()
        return revoked


def issue_milestone_certificates() -> int:
    """Issue every carbon milestone certificate (10 kg, 100 kg, 1 t of net grams CO₂e over the
    holder's live reductions) not yet issued; returns how many were issued. Idempotent: each
    milestone's idempotency key names it and the holder, so a rerun issues nothing twice.
    Run by the ``certificates_milestones`` job."""
    with transaction():
        due = queries.list_milestones_due()
        users = {
            user.id: user
            for user in session().scalars(select(User).where(User.id.in_({u for u, _ in due})))
        }
        for user_id, milestone in due:
            issue_certificate(
                CertificateKind.MILESTONE,
                users[user_id],
                CertificateText(**milestone.texts()),
                achievement_key=milestone.key,
                idempotency_key=milestone.idempotency_key(user_id),
                details={"grams": milestone.grams},
            )
        return len(due)
