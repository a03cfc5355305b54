"""The event and compensation purposes through the retire command: too few tonnes leave an
event open and enough mark it 碳中和 with one certificate; a fulfilled case, another
organisation's event or a stranger is refused; a court retires on the defendant's behalf
and fulfils the case (late after its deadline); a replayed form retires once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Organisation
from portal.certificates.models import Certificate, CertificateKind
from portal.errors import Conflict, NotAllowed
from portal.market.cases import services as case_services
from portal.market.cases.models import CaseState
from portal.market.events import queries, services
from portal.market.models import Retirement
from portal.market.retirements import retire
from tests import factories
from tests.factories.cases import make_case, make_court_official
from tests.factories.retirements import make_holder, retire_args


def _event_with_footprint(meals: str = "1000") -> tuple[Any, Any, Any, int]:
    user, org = factories.make_organiser()
    event = factories.make_event(user, org, attendees=500)
    row = services.calculate_footprint(actor=user, event_id=event.id, inputs={"meals": meals})
    return user, org, event, row.tonnes


def _neutrality_certificates(db: Any) -> int:
    return int(
        db.session.scalar(
            select(func.count(Certificate.id)).where(
                Certificate.kind == CertificateKind.EVENT_NEUTRALITY
            )
        )
    )


def test_too_few_tonnes_leave_an_event_open_and_enough_make_it_neutral(
    db: Any, methodologies: Any
) -> None:
    user, org, event, needed = _event_with_footprint()
    assert needed >= 2
    make_holder(needed, org=org)
    retire(user, org.id, **retire_args(purpose="event", reference_id=event.id, tonnes=1))
    assert queries.get_event(event.id).neutral_at is None  # type: ignore[union-attr]
    assert _neutrality_certificates(db) == 0
    done = retire(
        user, org.id, **retire_args(purpose="event", reference_id=event.id, tonnes=needed - 1)
    )
    event = queries.get_event(event.id)
    assert event is not None and event.neutral_at is not None and event.certificate_id
    assert _neutrality_certificates(db) == 1
    cert = db.session.get(Certificate, done.certificate_id)
    assert cert is not None and event.title_zh in cert.description_zh


def test_another_organisations_event_and_one_without_footprint_are_refused(
    db: Any, methodologies: Any
) -> None:
    _user, _org, event, _needed = _event_with_footprint()
    other_user, other_org = factories.make_organiser()
    make_holder(3, org=other_org)
    with pytest.raises(NotAllowed) as refused:
        retire(other_user, other_org.id, **retire_args(purpose="event", reference_id=event.id))
    assert refused.value.field == "reference"
    bare = factories.make_event(other_user, other_org)
    with pytest.raises(NotAllowed):
        retire(other_user, other_org.id, **retire_args(purpose="event", reference_id=bare.id))
    assert db.session.scalar(select(func.count(Retirement.id))) == 0


def test_a_court_retires_on_the_defendants_behalf_and_fulfils_the_case(
    db: Any, methodologies: Any
) -> None:
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=3)
    court = db.session.get(Organisation, case.org_id)
    make_holder(5, org=court)
    args = retire_args(purpose="compensation", reference_id=case.id, tonnes=3)
    done = retire(official, case.org_id, **args)
    assert retire(official, case.org_id, **args).id == done.id  # a replay retires once
    assert db.session.scalar(select(func.sum(Retirement.tonnes))) == 3
    assert case.state == CaseState.FULFILLED and not case.is_late
    with pytest.raises(Conflict):  # nothing more is needed
        retire(official, case.org_id, **retire_args(purpose="compensation", reference_id=case.id))


def test_a_late_retirement_fulfils_an_overdue_case_late(db: Any, methodologies: Any) -> None:
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=2)
    assert case_services.mark_overdue(case.deadline_on + timedelta(days=1)) == 1
    court = db.session.get(Organisation, case.org_id)
    make_holder(2, org=court)
    retire(
        official, court.id, **retire_args(purpose="compensation", reference_id=case.id, tonnes=2)
    )
    assert case.state == CaseState.FULFILLED and case.is_late


def test_only_the_cases_court_or_the_defendant_retires_for_it(db: Any, methodologies: Any) -> None:
    case = make_case(method="appraisal_tonnes", appraisal_tonnes=2)
    other_court = factories.make_org(kind="court")
    stranger = make_court_official(other_court)
    make_holder(2, org=other_court)
    with pytest.raises(NotAllowed):
        retire(
            stranger, other_court.id, **retire_args(purpose="compensation", reference_id=case.id)
        )
    enterprise, buyer, _ = make_holder(2)
    with pytest.raises(NotAllowed):  # not the case's defendant
        retire(buyer, enterprise.id, **retire_args(purpose="compensation", reference_id=case.id))
    assert case.state == CaseState.OPEN


def test_the_defendants_organisation_retires_for_its_case(db: Any, methodologies: Any) -> None:
    enterprise, buyer, _ = make_holder(2)
    case = make_case(
        method="appraisal_tonnes",
        appraisal_tonnes=2,
        is_defendant_org=True,
        defendant_org_id=enterprise.id,
        defendant_name="吉林某化工有限公司",
    )
    retire(
        buyer, enterprise.id, **retire_args(purpose="compensation", reference_id=case.id, tonnes=2)
    )
    assert case.state == CaseState.FULFILLED
