"""Demo retirements: each enterprise that holds tonnes (bought in the demo market) retires
half of them, at least one, for its operations of last year on its own behalf, by its first
buyer (the event organiser's and the court's tonnes are for their purposes:
``portal.demo.offsets``). Does nothing where no enterprise holds any. Idempotent: each
enterprise's retirement replays a form token derived from its id, so a rerun retires nothing
twice."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from portal.accounts.models import Membership, Organisation, OrgKind, User
from portal.clock import local_today
from portal.db import session
from portal.market.models import BlockState, Retirement, RetirementPurpose, SerialBlock
from portal.market.retirement_queries import held_tonnes, is_buyer_of
from portal.market.retirements import retire


def _token(organisation_id: int) -> str:
    return hashlib.sha256(f"demo-retire:{organisation_id}".encode()).hexdigest()[:32]


def _buyer(organisation_id: int) -> User | None:
    for user in session().scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(Membership.id)
    ):
        if is_buyer_of(user.id, organisation_id):
            return user
    return None


def seed_retirements() -> list[Retirement]:
    """Retire half of what each holding enterprise holds; returns the retirements made or
    found again."""
    holders = session().scalars(
        select(SerialBlock.holder_org_id)
        .join(Organisation, Organisation.id == SerialBlock.holder_org_id)
        .where(
            SerialBlock.state == BlockState.HELD.value,
            Organisation.kind == OrgKind.ENTERPRISE.value,
        )
        .distinct()
        .order_by(SerialBlock.holder_org_id)
    )
    done = []
    for organisation_id in list(holders):
        assert organisation_id is not None
        token = _token(organisation_id)
        found = (
            session()
            .scalars(select(Retirement).where(Retirement.idempotency_key == f"retire:{token}"))
            .first()
        )
        buyer = _buyer(organisation_id)
        holder = session().get(Organisation, organisation_id)
        if found is None and buyer is not None and holder is not None:
            found = retire(
                buyer,
                organisation_id,
                tonnes=max(1, held_tonnes(organisation_id) // 2),
                purpose=RetirementPurpose.OPERATIONS.value,
                year=local_today().year - 1,
                beneficiary_zh=holder.name_zh,
                beneficiary_en=holder.name_en,
                form_token=token,
            )
        if found is not None:
            done.append(found)
    return done
