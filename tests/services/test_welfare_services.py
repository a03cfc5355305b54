"""Public-welfare projects and donations: the operator's commands, donating and its refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AuditEvent
from portal.certificates.models import Certificate
from portal.clock import local_today
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.ledger import queries as ledger_queries
from portal.ledger.models import AccountKind
from portal.ledger.services import owned_account_id
from portal.welfare import queries, services
from portal.welfare.models import Donation
from tests import factories


@pytest.fixture
def operator(db: Any) -> Any:
    return factories.make_user(is_admin=True)


@pytest.fixture
def donor(db: Any) -> Any:
    user = factories.make_user()
    factories.give_points(user.id, 300)
    return user


def test_donation_moves_exactly_the_points_and_issues_one_certificate(
    operator: Any, donor: Any, db: Any
) -> None:
    project = factories.make_project(operator)
    donation = services.donate(
        donor=donor, project_id=project.id, points=120, form_token=factories.form_token()
    )
    assert ledger_queries.get_balance(donor.id) == 180
    account = owned_account_id(AccountKind.PROJECT, project.id)
    assert ledger_queries.account_balance(account) == 120
    cert = db.session.scalars(select(Certificate)).one()
    assert cert.code == donation.certificate_code and cert.subject_id == donor.id
    assert "120" in cert.description_zh and project.title_en in cert.title_en
    assert queries.get_progress([project.id])[project.id].raised_points == 120


def test_a_replayed_request_donates_once(operator: Any, donor: Any, db: Any) -> None:
    project = factories.make_project(operator)
    token = factories.form_token()
    first = services.donate(donor=donor, project_id=project.id, points=50, form_token=token)
    again = services.donate(donor=donor, project_id=project.id, points=50, form_token=token)
    assert again.id == first.id
    assert ledger_queries.get_balance(donor.id) == 250
    assert db.session.scalar(select(func.count(Donation.id))) == 1
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


@pytest.mark.parametrize("points", [0, -5, 1.5, "10", None, True, 10**12])
def test_bad_amounts_are_refused(operator: Any, donor: Any, points: Any) -> None:
    project = factories.make_project(operator)
    with pytest.raises(InvalidInput) as error:
        services.donate(
            donor=donor, project_id=project.id, points=points, form_token=factories.form_token()
        )
    assert error.value.field == "points"
    assert ledger_queries.get_balance(donor.id) == 300


def test_more_than_the_balance_is_refused_and_nothing_is_written(
    operator: Any, donor: Any, db: Any
) -> None:
    project = factories.make_project(operator)
    with pytest.raises(Conflict, match="Not enough points"):
        services.donate(
            donor=donor, project_id=project.id, points=301, form_token=factories.form_token()
        )
    assert ledger_queries.get_balance(donor.id) == 300
    assert db.session.scalar(select(func.count(Donation.id))) == 0
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


@pytest.mark.parametrize(
    ("status", "days"),
    [("closed", (-1, 30)), ("draft", (-1, 30)), ("open", (2, 30)), ("open", (-30, -1))],
)
def test_closed_draft_not_yet_open_or_ended_projects_take_nothing(
    operator: Any, donor: Any, status: str, days: tuple[int, int]
) -> None:
    today = local_today()
    project = factories.make_project(
        operator,
        status=status,
        starts_on=today + timedelta(days=days[0]),
        ends_on=today + timedelta(days=days[1]),
    )
    with pytest.raises(Conflict):
        services.donate(
            donor=donor, project_id=project.id, points=10, form_token=factories.form_token()
        )
    assert ledger_queries.get_balance(donor.id) == 300


def test_a_malformed_form_token_is_refused(operator: Any, donor: Any) -> None:
    project = factories.make_project(operator)
    with pytest.raises(InvalidInput):
        services.donate(donor=donor, project_id=project.id, points=10, form_token="short")


def test_only_the_operator_manages_projects(operator: Any, donor: Any) -> None:
    with pytest.raises(NotAllowed):
        services.save_project(actor=donor, fields=factories.project_fields())
    project = factories.make_project(operator, status="draft")
    with pytest.raises(NotAllowed):
        services.move_project(actor=donor, project_id=project.id, move="open")


def test_project_commands_are_audited_and_checked(operator: Any, db: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        services.save_project(actor=operator, fields=factories.project_fields(goal_points=0))
    assert error.value.field == "goal_points"
    today = local_today()
    with pytest.raises(InvalidInput):
        services.save_project(
            actor=operator,
            fields=factories.project_fields(starts_on=today, ends_on=today - timedelta(days=1)),
        )
    project = factories.make_project(operator, status="closed")
    services.post_update(actor=operator, project_id=project.id, text_zh="已种下", text_en="Planted")
    with pytest.raises(Conflict):
        services.move_project(actor=operator, project_id=project.id, move="close")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "welfare.project_created",
        "welfare.project_opened",
        "welfare.project_closed",
        "welfare.update_posted",
    } <= actions
    assert [u.text_en for u in queries.list_updates(project.id)] == ["Planted"]
    assert queries.get_project(project.id, public=True) is not None
    draft = factories.make_project(operator, status="draft")
    assert queries.get_project(draft.id, public=True) is None


@pytest.mark.parametrize(
    ("raised", "goal", "shown"),
    [(0, 100, "0.0"), (9, 10_000, "0.0"), (30, 10_000, "0.3"), (1, 3, "33.3"), (500, 100, "100.0")],
)
def test_progress_is_shown_in_tenths_of_a_percent_and_capped(
    raised: int, goal: int, shown: str
) -> None:
    assert queries.Progress(raised_points=raised, goal_points=goal, donors=1).percent == shown
