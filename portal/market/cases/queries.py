"""Reads of 以碳代偿 cases: tonnes retired for a case, a court's cases, the public register,
a case's linked retirements and who may act on a case."""

from __future__ import annotations

from collections.abc import Iterable

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from portal.accounts.models import Membership, Organisation, OrgKind, User
from portal.db import session
from portal.market.cases.models import Case, CaseState
from portal.market.models import Retirement, RetirementPurpose

PER_PAGE = 20
COURT_KINDS = (OrgKind.COURT.value, OrgKind.PROCURATORATE.value)


def retired_tonnes(case_id: int) -> int:
    """Σ tonnes of the compensation retirements that name ``case_id``."""
    return retired_tonnes_by_case([case_id]).get(case_id, 0)


def retired_tonnes_by_case(case_ids: Iterable[int]) -> dict[int, int]:
    """Σ tonnes retired for each case of ``case_ids`` (absent: none)."""
    ids = list(case_ids)
    if not ids:
        return {}
    rows = session().execute(
        select(Retirement.case_id, func.sum(Retirement.tonnes))
        .where(
            Retirement.purpose == RetirementPurpose.COMPENSATION.value,
            Retirement.case_id.in_(ids),
        )
        .group_by(Retirement.case_id)
    )
    return {case_id: int(total) for case_id, total in rows if case_id is not None}


def list_case_retirements(case_id: int) -> list[Retirement]:
    """The compensation retirements linked to a case, oldest first."""
    return list(
        session().scalars(
            select(Retirement)
            .where(
                Retirement.purpose == RetirementPurpose.COMPENSATION.value,
                Retirement.case_id == case_id,
            )
            .order_by(Retirement.retired_at, Retirement.id)
        )
    )


def court_orgs(user: User) -> list[Organisation]:
    """The courts and procuratorates ``user`` is a member of, by id."""
    orgs = [m.organisation for m in user.memberships if m.organisation.kind in COURT_KINDS]
    return sorted(orgs, key=lambda org: org.id)


def official_ids(org_id: int) -> list[int]:
    """The members of a case's organisation: the officials told about the case."""
    return list(
        session().scalars(
            select(Membership.user_id)
            .where(Membership.organisation_id == org_id)
            .order_by(Membership.user_id)
        )
    )


def is_case_official(user: User, case: Case) -> bool:
    """Whether ``user`` belongs to the court or procuratorate that recorded ``case``."""
    return any(org.id == case.org_id for org in court_orgs(user))


def _in_state(stmt: Select[Case], state: str | None) -> Select[Case]:
    if state in {s.value for s in CaseState}:
        stmt = stmt.where(Case.state == state)
    return stmt


def list_org_cases(org_id: int, *, state: str | None = None, page: int = 1) -> Pagination:
    """A court's cases, newest first, optionally of one state."""
    from portal.extensions import db

    stmt = _in_state(select(Case).where(Case.org_id == org_id), state).order_by(Case.id.desc())
    return db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def list_public_cases(*, state: str | None = None, page: int = 1) -> Pagination:
    """The public register: every case, newest first, optionally of one state."""
    from portal.extensions import db

    stmt = _in_state(select(Case), state).order_by(Case.id.desc())
    return db.paginate(stmt, page=max(page, 1), per_page=PER_PAGE, error_out=False)


def get_case(case_id: int) -> Case | None:
    return session().get(Case, case_id)


def lock_case(case_id: int) -> Case | None:
    """The case row, ``SELECT … FOR UPDATE``: read before deciding its state."""
    return session().scalars(select(Case).where(Case.id == case_id).with_for_update()).first()


def list_defendant_org_choices() -> list[Organisation]:
    """Organisations that could retire for a defendant (not courts), by Chinese name."""
    return list(
        session().scalars(
            select(Organisation)
            .where(Organisation.kind.not_in(COURT_KINDS))
            .order_by(Organisation.name_zh)
        )
    )


# The retire form lists at most this many cases (the newest).
CHOICES_LIMIT = 100


def cases_needing_tonnes(org_id: int) -> list[tuple[Case, int]]:
    """Open and overdue cases ``org_id`` may retire for (its own as the recording court, or
    as the defendant's organisation), newest first, each with the tonnes still needed."""
    stmt = (
        select(Case)
        .where(
            Case.state != CaseState.FULFILLED.value,
            (Case.org_id == org_id) | (Case.defendant_org_id == org_id),
        )
        .order_by(Case.id.desc())
        .limit(CHOICES_LIMIT)
    )
    cases = list(session().scalars(stmt))
    retired = retired_tonnes_by_case(c.id for c in cases)
    needed = [(case, case.required_tonnes - retired.get(case.id, 0)) for case in cases]
    return [(case, tonnes) for case, tonnes in needed if tonnes > 0]
