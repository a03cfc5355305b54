"""Certificate reads: by code (public), a holder's list, and who has reached a milestone."""

from __future__ import annotations

from collections import defaultdict

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.activities.models import Reduction
from portal.certificates.milestones import MILESTONES, Milestone, reached
from portal.certificates.models import Certificate, CertificateKind
from portal.db import session
from portal.pagination import paginate


def get_certificate(code: str, *, for_update: bool = False) -> Certificate | None:
    """The certificate with ``code``, or None (an unknown code is not an error)."""
    stmt = select(Certificate).where(Certificate.code == code)
    if for_update:
        stmt = stmt.with_for_update()
    return session().scalars(stmt).first()


def list_certificates(user_id: int) -> list[Certificate]:
    """The holder's certificates, newest first, revoked ones included."""
    return list(
        session().scalars(
            select(Certificate)
            .where(Certificate.subject_id == user_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def list_all_certificates(page: int) -> Pagination:
    """Every certificate, newest first, one page (for administrators)."""
    stmt = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    return paginate(stmt, page)


def list_milestones_due() -> list[tuple[int, Milestone]]:
    """Each (user id, milestone) that a person's live reductions (net grams CO₂e) have reached
    and that they do not hold yet (a revoked one counts as held, so it is not issued again),
    by user id and then milestone, smallest first. Deleted accounts reach nothing more."""
    deleted = select(User.id).where(User.deleted_at.is_not(None))
    totals = (
        select(Reduction.user_id, func.sum(Reduction.net_grams).label("grams"))
        .where(Reduction.is_live(), Reduction.user_id.not_in(deleted))
        .group_by(Reduction.user_id)
        .having(func.sum(Reduction.net_grams) >= MILESTONES[0].grams)
        .subquery()
    )
    reached_by_user = {
        user_id: int(grams)
        for user_id, grams in session().execute(select(totals).order_by(totals.c.user_id))
    }
    held: defaultdict[int, set[str]] = defaultdict(set)
    if reached_by_user:
        for user_id, key in session().execute(
            select(Certificate.subject_id, Certificate.achievement_key).where(
                Certificate.kind == CertificateKind.MILESTONE.value,
                Certificate.subject_id.in_(select(totals.c.user_id)),
            )
        ):
            held[user_id].add(key)
    return [
        (user_id, milestone)
        for user_id, grams in reached_by_user.items()
        for milestone in reached(grams)
        if milestone.key not in held[user_id]
    ]
