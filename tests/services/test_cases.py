"""以碳代偿 case commands: who may record and edit, refusals naming the field, audit events,
fulfilment only when the compensation retirements cover the tonnes (invariant 8), the
retirement check, and the overdue job (idempotent, a late fulfilment still counts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AuditEvent, OrgKind
from portal.clock import local_today
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.market.cases import queries, services
from portal.market.cases.jobs import OVERDUE_JOB
from portal.market.cases.models import Case, CaseState
from portal.notifications.models import Notification
from portal.scheduler.table import build_job_table
from tests import factories
from tests.factories.cases import case_fields, make_case, make_court_official, retire_for_case


def _notices(db: Any, kind: str) -> int:
    return db.session.scalar(select(func.count()).where(Notification.kind == kind))


def test_a_court_official_records_a_case_audited(db: Any) -> None:
    official = make_court_official()
    case = make_case(official, case_number="(2024)吉01刑初56号")
    assert case.case_number == "（2024）吉01刑初56号" and case.state == CaseState.OPEN
    assert case.required_tonnes == 69 and case.price_fen_per_tonne == 4_500
    assert case.public_defendant_zh == "张某" and case.defendant_name == "张三丰"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.recorded")).one()
    assert event.subject_id == str(case.id) and "张三丰" not in str(event.details)


def test_a_procuratorate_official_may_record_too(db: Any) -> None:
    official = make_court_official(kind=OrgKind.PROCURATORATE)
    assert make_case(official).org_id == queries.court_orgs(official)[0].id


def test_refusals(db: Any) -> None:
    official = make_court_official()
    with pytest.raises(NotAllowed):
        services.record_case(actor=factories.make_user(), fields=case_fields())
    for bad, field in [
        (case_fields(case_number="吉0102民初1号"), "case_number"),
        (case_fields(damage_fen=-100), "damage_yuan"),
        (case_fields(method="appraisal_tonnes", appraisal_tonnes=0), "appraisal_tonnes"),
        (case_fields(deadline_on=local_today() - timedelta(days=1)), "deadline_on"),
        (case_fields(judgment_url="http://wenshu.court.gov.cn/"), "judgment_url"),
        (case_fields(defendant_org_id=10**9), "defendant_org_id"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            services.record_case(actor=official, fields=bad)
        assert refused.value.field == field
    make_case(official, case_number="（2024）吉0102民初1234号")
    with pytest.raises(Conflict) as taken:
        make_case(official, case_number="(2024)吉0102民初1234号")
    assert taken.value.field == "case_number"
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_edits_are_audited_and_only_by_the_recording_court(db: Any) -> None:
    official = make_court_official()
    case = make_case(official)
    other = make_court_official()
    fields = case_fields(case_number=case.case_number, damage_fen=900_000)
    with pytest.raises(NotAllowed):
        services.edit_case(actor=other, case_id=case.id, fields=fields)
    edited = services.edit_case(actor=official, case_id=case.id, fields=fields)
    assert edited.required_tonnes == 200
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.edited")).one()
    assert event.details["fields"] == ["damage_fen", "required_tonnes"]


def test_fulfilled_only_when_retired_covers_the_tonnes(db: Any, methodologies: Any) -> None:
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=40)
    court_id = case.org_id
    retire_for_case(case.id, 25, court_id, official.id)
    assert not services.mark_fulfilled_if_covered(case.id)
    assert queries.retired_tonnes(case.id) == 25 and case.state == CaseState.OPEN
    retire_for_case(case.id, 15, court_id, official.id)
    assert services.mark_fulfilled_if_covered(case.id)
    assert case.state == CaseState.FULFILLED and not case.is_late
    assert not services.mark_fulfilled_if_covered(case.id)  # idempotent
    assert _notices(db, "case_fulfilled") == 1
    with pytest.raises(Conflict):
        services.edit_case(actor=official, case_id=case.id, fields=case_fields())


def test_other_purposes_and_cases_do_not_count(db: Any, methodologies: Any) -> None:
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=5)
    other = make_case(official)
    retire_for_case(other.id, 5, case.org_id, official.id)
    voluntary = retire_for_case(case.id, 5, case.org_id, official.id)
    voluntary.purpose = "voluntary"
    db.session.commit()
    assert queries.retired_tonnes(case.id) == 0
    assert not services.mark_fulfilled_if_covered(case.id)


def test_check_case_retirement(db: Any) -> None:
    official = make_court_official()
    defendant_org = factories.make_org()
    staff = factories.make_user()
    factories.make_membership(staff, defendant_org)
    case = make_case(official, defendant_org_id=defendant_org.id)
    check = services.check_case_retirement
    assert check(official, case.org_id, case.id) is None  # the court on the defendant's behalf
    assert check(staff, defendant_org.id, case.id) is None
    assert check(staff, case.org_id, case.id) == "not_holder_member"
    assert check(official, factories.make_org().id, case.id) == "not_case_party"
    assert check(official, case.org_id, 10**9) == "case_not_found"
    case.state = CaseState.FULFILLED.value
    db.session.commit()
    assert check(official, case.org_id, case.id) == "case_fulfilled"


def test_overdue_job_is_idempotent_and_a_late_fulfilment_counts(
    app: Any, db: Any, methodologies: Any
) -> None:
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=3)
    later = make_case(official)
    tomorrow = case.deadline_on + timedelta(days=1)
    assert services.mark_overdue(case.deadline_on) == 0  # the deadline day itself is in time
    assert services.mark_overdue(tomorrow) == 2
    assert services.mark_overdue(tomorrow) == 0
    assert case.state == later.state == CaseState.OVERDUE
    assert _notices(db, "case_overdue") == 2
    retire_for_case(case.id, 3, case.org_id, official.id)
    assert services.mark_fulfilled_if_covered(case.id)
    assert case.state == CaseState.FULFILLED and case.is_late
    job = build_job_table()[OVERDUE_JOB]
    assert job.trigger == "cron"
    assert job.func(None) == {"overdue_cases": 0}  # type: ignore[arg-type]


def test_moving_the_deadline_reopens_an_overdue_case(db: Any) -> None:
    official = make_court_official()
    case = make_case(official)
    services.mark_overdue(case.deadline_on + timedelta(days=1))
    fields = case_fields(
        case_number=case.case_number, deadline_on=case.deadline_on + timedelta(days=90)
    )
    assert services.edit_case(actor=official, case_id=case.id, fields=fields).state == "open"
