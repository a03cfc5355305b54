"""以碳代偿 case commands, one transaction each: a court or procuratorate official records and
edits a case (audited); a case turns fulfilled once its compensation retirements cover the
required tonnes (invariant 8), and overdue when its deadline passes uncovered; the
retirement service asks ``check_case_retirement`` before retiring for a case.

Who may call: recording and editing need a member of an organisation of kind court or
procuratorate (the case's own organisation for an edit); the state changes are called by the
retirement service and the daily job, on nobody's behalf.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import Organisation, User
from portal.clock import local_date, local_today, utcnow
from portal.db import session, transaction, unless_taken
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.market.cases import queries, rules
from portal.market.cases.models import Case, CaseState
from portal.market.cases.rules import CaseFields
from portal.notifications import kinds
from portal.notifications.services import post

__all__ = [
    "CaseFields",
    "check_case_retirement",
    "edit_case",
    "mark_fulfilled_if_covered",
    "mark_overdue",
    "record_case",
    "settle_case",
]

DUPLICATE = _l("Case number: a case with this number is already recorded.")


def _values(fields: CaseFields, current_deadline: date | None = None) -> dict[str, object]:
    values = rules.case_values(fields, local_today(), current_deadline=current_deadline)
    org_id = fields.defendant_org_id
    if org_id is not None and session().get(Organisation, org_id) is None:
        raise InvalidInput(_l("Defendant's organisation: choose one."), field="defendant_org_id")
    return values


def _taken(case_number: str, case_id: int | None) -> bool:
    other = session().scalar(select(Case.id).where(Case.case_number == case_number))
    return other is not None and other != case_id


def record_case(*, actor: User, fields: CaseFields, ip: str | None = None) -> Case:
    """Record a case for the actor's court or procuratorate (the first they belong to); open.
    NotAllowed for anyone else; InvalidInput naming the field; Conflict for a taken 案号."""
    orgs = queries.court_orgs(actor)
    if not orgs:
        raise NotAllowed(_l("Only court and procuratorate officials may record cases."))
    values = _values(fields)
    with transaction() as db:
        if _taken(str(values["case_number"]), None):
            raise Conflict(DUPLICATE, field="case_number")
        case = Case(org_id=orgs[0].id, recorded_by_id=actor.id, state=CaseState.OPEN.value)
        for name, value in values.items():
            setattr(case, name, value)
        with unless_taken(Conflict(DUPLICATE, field="case_number")), db.begin_nested():
            db.add(case)
        _audit("case.recorded", actor, case, ip, sorted(values))
    return case


def edit_case(*, actor: User, case_id: int, fields: CaseFields, ip: str | None = None) -> Case:
    """Change what was recorded about a case of the actor's organisation (not once fulfilled),
    audited with the names of the fields that changed. A deadline moved to today or later
    reopens an overdue case; required tonnes lowered to what is retired fulfil it."""
    with transaction() as db:
        case = queries.lock_case(case_id)
        if case is None:
            raise NotFound(_l("No such case."))
        if not queries.is_case_official(actor, case):
            raise NotAllowed(_l("Only officials of the recording court may edit this case."))
        if case.state == CaseState.FULFILLED:
            raise Conflict(_l("A fulfilled case can no longer be edited."))
        values = _values(fields, current_deadline=case.deadline_on)
        if _taken(str(values["case_number"]), case.id):
            raise Conflict(DUPLICATE, field="case_number")
        changed = sorted(name for name, value in values.items() if getattr(case, name) != value)
        for name, value in values.items():
            setattr(case, name, value)
        case.updated_at = utcnow()
        if case.state == CaseState.OVERDUE and case.deadline_on >= local_today():
            case.state, case.overdue_at = CaseState.OPEN.value, None
        with unless_taken(Conflict(DUPLICATE, field="case_number")), db.begin_nested():
            db.flush()
        _audit("case.edited", actor, case, ip, changed)
        settle_case(case.id)
    return case


def _audit(action: str, actor: User, case: Case, ip: str | None, names: list[str]) -> None:
    # Field names only: the defendant's name stays out of the audit details.
    record_audit(
        action,
        actor_id=actor.id,
        subject_type="registry_case",
        subject_id=case.id,
        ip=ip,
        details={"case_number": case.case_number, "fields": names},
    )


def _notify(case: Case, kind: str) -> None:
    for user_id in queries.official_ids(case.org_id):
        post(
            user_id,
            kind,
            {
                "case_id": case.id,
                "case_number": case.case_number,
                "required_tonnes": case.required_tonnes,
                "deadline_on": case.deadline_on.isoformat(),
            },
            f"/court/cases/{case.id}",
            key=f"{kind}:{case.id}:{user_id}",
        )


def settle_case(case_id: int) -> bool:
    """Flush-only, inside the caller's transaction (the retirement's): lock the case and mark
    it fulfilled if Σ retired ≥ required; late if after its deadline. True if it changed."""
    case = queries.lock_case(case_id)
    if case is None or case.state == CaseState.FULFILLED:
        return False
    if queries.retired_tonnes(case.id) < case.required_tonnes:
        return False
    now = utcnow()
    case.is_late = case.state == CaseState.OVERDUE or rules.is_late(
        local_date(now), case.deadline_on
    )
    case.state, case.fulfilled_at = CaseState.FULFILLED.value, now
    session().flush()
    _notify(case, kinds.CASE_FULFILLED)
    return True


def mark_fulfilled_if_covered(case_id: int) -> bool:
    """``settle_case`` in a transaction of its own; again is no change (False)."""
    with transaction():
        return settle_case(case_id)


def check_case_retirement(actor: User, holder_org_id: int, case_id: int) -> str | None:
    """Why ``actor`` may not retire tonnes held by ``holder_org_id`` for ``case_id``, as a code
    of ``rules.RETIREMENT_REFUSALS``, or None. The case must exist and not be fulfilled; the
    holder must be the defendant's organisation or the recording court retiring on the
    defendant's behalf, and the actor one of the holder's members."""
    case = queries.get_case(case_id)
    if case is None:
        return "case_not_found"
    if case.state == CaseState.FULFILLED:
        return "case_fulfilled"
    if holder_org_id not in {case.org_id, case.defendant_org_id}:
        return "not_case_party"
    if not any(m.organisation_id == holder_org_id for m in actor.memberships):
        return "not_holder_member"
    return None


def mark_overdue(today: date | None = None) -> int:
    """Mark open cases whose deadline (an Asia/Shanghai day) is before ``today`` overdue and
    tell their officials; again the same day is no change. Returns how many changed."""
    day = today or local_today()
    with transaction():
        cases = list(
            session().scalars(
                select(Case)
                .where(Case.state == CaseState.OPEN.value, Case.deadline_on < day)
                .order_by(Case.id)
                .with_for_update()
            )
        )
        now = utcnow()
        for case in cases:
            case.state, case.overdue_at = CaseState.OVERDUE.value, now
            _notify(case, kinds.CASE_OVERDUE)
        session().flush()
    return len(cases)
