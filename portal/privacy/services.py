"""Privacy commands (PIPL, DESIGN.md §8), one transaction each: record that a citizen
downloaded their data, and delete a citizen's account.

A deletion keeps the ledger whole: the account row stays under a pseudonym, so its entries
and reductions keep their owner and ``flask ledger verify`` still balances; what the person
still held in points is forfeited to the platform reserve by a posting, never by an edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.activities.evidence import evidence_path
from portal.certificates.reasons import ACCOUNT_DELETED
from portal.certificates.services import withdraw_holder_certificates
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import InvalidInput, NotFound
from portal.ledger import services as ledger
from portal.ledger.models import AccountKind
from portal.ledger.queries import get_balance
from portal.mall.queries import list_open_vouchers
from portal.mall.services import cancel_unused
from portal.privacy import erasure

FORFEIT_KIND = "account_deletion.forfeit"  # user points → reserve, the balance left at deletion


@dataclass(frozen=True)
class Deletion:
    """What a deletion did: the pseudonym the account keeps, points forfeited to the reserve,
    vouchers cancelled (and refunded before the forfeit), certificates revoked, records that
    were still waiting and were rejected, photo files removed. ``already`` when the account had
    been deleted before (a retried or doubled request), which changes nothing."""

    user_id: int
    pseudonym: str
    forfeited_points: int = 0
    vouchers_cancelled: int = 0
    certificates_revoked: int = 0
    records_closed: int = 0
    files_removed: int = 0
    already: bool = False


def forfeit_key(user_id: int) -> str:
    return f"account_deletion:forfeit:{user_id}"


def record_export(user_id: int, *, ip: str | None = None) -> None:
    """Audit that the citizen ``user_id`` downloaded their data (``privacy.export``). Called by
    the download itself, for the holder only, before the file is sent."""
    with transaction():
        record_audit(
            "privacy.export", actor_id=user_id, subject_type="user", subject_id=user_id, ip=ip
        )


def delete_account(
    *, user_id: int, password: str, ip: str | None = None, upload_dir: Path | None = None
) -> Deletion:
    """Delete the account ``user_id`` at its holder's request, confirmed by their ``password``
    (InvalidInput on ``password`` if wrong; nothing changes). One transaction, in this order:

    1. lock the user row (``FOR NO KEY UPDATE``, as a redemption does: one waits for the
       other; a donation's certificate insert, which takes ``FOR KEY SHARE``, does not);
    2. reject the records still waiting (``account_deleted``): done before any ledger lock, as
       the quantify job locks records before ledger accounts, so the two never deadlock;
    3. lock the points account: a donation or credit in flight commits first and is counted;
    4. cancel the unused vouchers through the mall's own cancel (each refunded);
    5. forfeit the whole balance left to the reserve (``account_deletion.forfeit``, keyed by
       the user: a retry posts once);
    6. revoke the certificates (``account_deleted``), which then show the pseudonym;
    7. end the guardian consents the account gave or received (``erasure.erase_guardianship``);
       erase the personal data (``erasure``): the UPDATE of the user row waits for any insert
       naming it (a record sent meanwhile) and then blocks new ones until the commit;
    8. reject the records that arrived meanwhile, audit ``account.delete`` with the pseudonym.

    After the commit no record of the account can wait unseen: one inserted later is rejected
    by the quantify job itself (``drop_deleted_accounts``), so no credit reaches the account.
    Photo files no other upload shares are removed from ``upload_dir`` after the commit. A
    second call for a deleted account returns ``already=True`` and changes nothing.
    """
    with transaction() as db:
        user = db.scalars(
            select(User)
            .where(User.id == user_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        ).first()
        if user is None:
            raise NotFound(_l("No such account."))
        if user.deleted_at is not None:
            return Deletion(user_id, user.display_name, already=True)
        if not check_password_hash(user.password_hash, password):
            raise InvalidInput(_l("The password is wrong."), field="password")
        records = erasure.close_waiting_records(user_id)
        account_id, _ = ledger.lock_user_balance(user_id)
        vouchers = list_open_vouchers(user_id, utcnow())
        for voucher in vouchers:
            cancel_unused(voucher, actor_id=None)
        forfeited = _forfeit(user_id, account_id)
        pseudonym = erasure.new_pseudonym()
        revoked = withdraw_holder_certificates(user_id, alias=pseudonym, reason=ACCOUNT_DELETED)
        files = erasure.erase_evidence(user_id)
        erasure.erase_links_and_texts(user_id)
        erasure.erase_guardianship(user_id, utcnow())
        erasure.erase_user(user, pseudonym, utcnow())
        records += erasure.close_waiting_records(user_id)
        record_audit(
            "account.delete",
            actor_id=user_id,
            subject_type="user",
            subject_id=user_id,
            ip=ip,
            details={
                "pseudonym": pseudonym,
                "forfeited_points": forfeited,
                "vouchers_cancelled": len(vouchers),
                "certificates_revoked": revoked,
                "records_closed": records,
            },
        )
    removed = _remove_files(files, upload_dir) if upload_dir is not None else 0
    return Deletion(user_id, pseudonym, forfeited, len(vouchers), revoked, records, removed)


def _forfeit(user_id: int, account_id: int) -> int:
    """Post the whole balance (refunds included) from the user's account to the reserve; the
    account is locked, so the balance read is the one debited. Returns the points moved."""
    balance = get_balance(user_id)
    if balance <= 0:
        return 0
    reserve = ledger.system_account_id(AccountKind.RESERVE)
    posted = ledger.append(
        [
            ledger.Posting(
                forfeit_key(user_id),
                FORFEIT_KIND,
                ((account_id, -balance), (reserve, balance)),
                {"user_id": user_id},
            )
        ]
    )
    return balance if posted[0] is not None else 0


def _remove_files(files: list[tuple[str, str]], upload_dir: Path) -> int:
    """Remove the photo files of a committed deletion; one already gone is not an error."""
    removed = 0
    for sha256, content_type in files:
        path = evidence_path(upload_dir, sha256, content_type)
        if path.exists():
            path.unlink()
            removed += 1
    return removed
