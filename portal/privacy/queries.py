"""Privacy reads: what deleting an account would do, for the confirmation page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.activities.models import BehaviorRecord
from portal.certificates.models import Certificate
from portal.clock import utcnow
from portal.db import session
from portal.ledger.queries import get_balance
from portal.mall.queries import list_open_vouchers
from portal.privacy.erasure import WAITING


@dataclass(frozen=True)
class DeletionPreview:
    """What ``services.delete_account`` would do now: the points forfeited (the balance plus
    the refunds of the open vouchers), the vouchers cancelled, the certificates revoked and
    the records still waiting that would never be counted."""

    balance: int
    open_vouchers: int
    refunds: int
    certificates: int
    waiting_records: int

    @property
    def forfeited_points(self) -> int:
        return self.balance + self.refunds


def get_deletion_preview(user_id: int) -> DeletionPreview:
    vouchers = list_open_vouchers(user_id, utcnow())
    certificates = session().scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.subject_id == user_id, Certificate.revoked_at.is_(None))
    )
    waiting = session().scalar(
        select(func.count())
        .select_from(BehaviorRecord)
        .where(BehaviorRecord.user_id == user_id, BehaviorRecord.status.in_(WAITING))
    )
    return DeletionPreview(
        balance=get_balance(user_id),
        open_vouchers=len(vouchers),
        refunds=sum(v.points_cost for v in vouchers),
        certificates=int(certificates or 0),
        waiting_records=int(waiting or 0),
    )
