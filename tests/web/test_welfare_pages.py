"""Public-welfare pages: the list and project page in both languages, donating in two steps
with its bad input, the donor's certificate link, and the operator's pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.accounts.models import AuditEvent
from portal.ledger.queries import get_balance
from portal.welfare import services
from portal.welfare.models import Donation, Project
from tests import factories
from tests.web.test_merchant_pages import EN, ZH, english_sentences

TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="token"')


@pytest.fixture
def project(db: Any) -> Project:
    operator = factories.make_user(is_admin=True)
    return factories.make_project(operator)


def _confirm_token(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "the confirmation page carries a one-time token"
    return match.group(1) or match.group(2)


def test_list_and_project_page_in_both_languages(
    client: FlaskClient, project: Project, db: Any
) -> None:
    donor = factories.make_user(display_name="绿色小林", is_publicly_listed=True)
    factories.give_points(donor.id, 100)
    services.donate(
        donor=donor, project_id=project.id, points=30, form_token=factories.form_token()
    )
    zh = client.get("/welfare", headers=ZH)
    assert zh.status_code == 200 and "长白山植树" in zh.text
    assert 'role="progressbar"' in zh.text
    assert not english_sentences(zh.text)
    page = client.get(f"/welfare/{project.id}", headers=ZH)
    assert "绿色小林" in page.text and 'aria-valuenow="0.3"' in page.text  # 30 of 10,000
    assert donor.phone not in page.text
    assert not english_sentences(page.text)
    en = client.get(f"/welfare/{project.id}", headers=EN)
    assert (
        "Tree planting on Changbai Mountain" in en.text
        and "30 of 10,000 points raised (0.3%)" in en.text
    )


def test_empty_states(client: FlaskClient, db: Any) -> None:
    page = client.get("/welfare", headers=EN)
    assert "No projects yet." in page.text


def test_drafts_and_unknown_projects_are_not_found(client: FlaskClient, db: Any) -> None:
    draft = factories.make_project(factories.make_user(is_admin=True), status="draft")
    assert client.get(f"/welfare/{draft.id}").status_code == 404
    assert client.get("/welfare/999999").status_code == 404


def test_donating_needs_a_login(client: FlaskClient, project: Project) -> None:
    response = client.get(f"/welfare/{project.id}/donate")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_donate_confirm_and_replay(
    client: FlaskClient, login_as: Any, project: Project, db: Any
) -> None:
    citizen = login_as("citizen")
    factories.give_points(citizen.id, 200)
    form = client.get(f"/welfare/{project.id}/donate", headers=ZH)
    assert form.status_code == 200 and not english_sentences(form.text)
    step = client.post(f"/welfare/{project.id}/donate", data={"points": "80"}, headers=ZH)
    assert step.status_code == 200 and "确认" in step.text
    assert not english_sentences(step.text)
    assert get_balance(citizen.id) == 200  # nothing moves before the confirmation
    data = {"points": "80", "token": _confirm_token(step.text)}
    done = client.post(f"/welfare/{project.id}/donate/confirm", data=data, headers=ZH)
    assert done.status_code == 302
    again = client.post(f"/welfare/{project.id}/donate/confirm", data=data, headers=ZH)
    assert again.status_code == 302 and again.location == done.location
    assert get_balance(citizen.id) == 120
    assert db.session.scalar(select(func.count(Donation.id))) == 1
    thanks = client.get(done.location, headers=ZH)
    donation = db.session.scalars(select(Donation)).one()
    assert f"/verify/{donation.certificate_code}" in thanks.text
    assert not english_sentences(thanks.text)


@pytest.mark.parametrize("points", ["0", "-5", "1.5", "abc", "", "99999999999999999999", "1e3"])
def test_bad_amounts_get_a_clear_message(
    client: FlaskClient, login_as: Any, project: Project, points: str
) -> None:
    citizen = login_as("citizen")
    factories.give_points(citizen.id, 50)
    page = client.post(f"/welfare/{project.id}/donate", data={"points": points}, headers=EN)
    assert page.status_code == 422
    assert "whole number" in page.text or "how many points" in page.text or "from 1" in page.text
    assert get_balance(citizen.id) == 50


def test_more_than_the_balance_at_the_confirmation(
    client: FlaskClient, login_as: Any, project: Project
) -> None:
    citizen = login_as("citizen")
    factories.give_points(citizen.id, 50)
    step = client.post(f"/welfare/{project.id}/donate", data={"points": "60"})
    data = {"points": "60", "token": _confirm_token(step.text)}
    page = client.post(f"/welfare/{project.id}/donate/confirm", data=data, headers=ZH)
    assert page.status_code == 422 and "碳积分不足" in page.text
    assert get_balance(citizen.id) == 50


def test_a_closed_project_refuses(client: FlaskClient, login_as: Any, db: Any) -> None:
    closed = factories.make_project(factories.make_user(is_admin=True), status="closed")
    citizen = login_as("citizen")
    factories.give_points(citizen.id, 50)
    data = {"points": "10", "token": factories.form_token()}
    page = client.post(f"/welfare/{closed.id}/donate/confirm", data=data, headers=EN)
    assert page.status_code == 422 and "not taking donations" in page.text
    assert get_balance(citizen.id) == 50


def test_operator_creates_opens_updates_and_closes(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    login_as("admin")
    assert client.get("/admin/welfare", headers=ZH).status_code == 200
    form = {
        "title_zh": "乡村小学太阳能板",
        "title_en": "Solar panels for a village school",
        "summary_zh": "为延边一所乡村小学安装太阳能板。",
        "summary_en": "Solar panels for a village school in Yanbian.",
        "beneficiary_zh": "延边州某乡村小学",
        "beneficiary_en": "A village school in Yanbian",
        "goal_points": "50000",
        "starts_on": "2026-01-01",
        "ends_on": "2099-12-31",
    }
    bad = client.post("/admin/welfare/new", data={**form, "goal_points": "0"}, headers=EN)
    assert bad.status_code == 422
    created = client.post("/admin/welfare/new", data=form, headers=ZH)
    assert created.status_code == 302
    project = db.session.scalars(select(Project)).one()
    page = client.get(created.location, headers=ZH)
    assert page.status_code == 200 and not english_sentences(page.text)
    client.post(f"/admin/welfare/{project.id}/open")
    client.post(
        f"/admin/welfare/{project.id}/updates",
        data={"text_zh": "已安装一半", "text_en": "Half done"},
    )
    assert "已安装一半" in client.get(f"/welfare/{project.id}", headers=ZH).text
    client.post(f"/admin/welfare/{project.id}/close")
    db.session.refresh(project)
    assert project.status == "closed"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"welfare.project_opened", "welfare.update_posted", "welfare.project_closed"} <= actions


def test_citizens_cannot_reach_the_operator_pages(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    assert client.get("/admin/welfare").status_code == 403
