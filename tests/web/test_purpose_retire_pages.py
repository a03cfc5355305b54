"""Retiring for an event or a case through the pages: the organiser's event page and the
court's case page link the market and the retire form preselected with the tonnes still
needed; the confirmation names the event or case; the event turns 碳中和 and the case
fulfilled. A court official reaches the buyer pages, orders tonnes and retires only for the
court's cases; a buyer without events or cases is offered neither."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from portal.accounts.models import Organisation, Role
from portal.market import listings
from portal.market.cases.models import CaseState
from portal.market.events import queries as event_queries
from portal.market.events import services as event_services
from tests import factories
from tests.factories.cases import make_case, make_court_official
from tests.factories.market import make_issued_batch
from tests.factories.retirements import make_holder
from tests.web.test_merchant_pages import EN, ZH, english_sentences

TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="token"')
BENEFICIARY = {"beneficiary_zh": "长春市民", "beneficiary_en": "Changchun residents"}


def _confirm(client: FlaskClient, path: str, data: dict[str, str]) -> str:
    """Post the form and its confirmation; the retirement page's address."""
    step = client.post(path, data=data, headers=EN)
    assert step.status_code == 200, step.text[-3000:]
    match = TOKEN.search(step.text)
    assert match
    done = client.post(f"{path}confirm", data={**data, "token": match.group(1) or match.group(2)})
    assert done.status_code == 302, done.text[-3000:]
    return done.headers["Location"]


def _default(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', page)
    assert match, name
    return match.group(1) or match.group(2) or ""


def test_an_organiser_retires_for_an_event_from_its_page(
    client: FlaskClient, methodologies: dict[str, Any]
) -> None:
    user, org = factories.make_organiser()
    event = factories.make_event(user, org, attendees=500)
    needed = event_services.calculate_footprint(
        actor=user, event_id=event.id, inputs={"meals": "1000"}
    ).tonnes
    make_holder(needed + 2, org=org)
    factories.log_in(client, user)
    page = client.get(f"/events/{event.id}", headers=ZH).text
    link = f"/buyer/retire/{org.id}/?purpose=event&amp;event={event.id}"
    assert link in page and 'href="/market"' in page
    form = client.get(link.replace("&amp;", "&"), headers=ZH)
    assert form.status_code == 200 and not english_sentences(form.text)
    assert _default(form.text, "tonnes") == str(needed)
    assert "长春马拉松" in form.text
    data = {"tonnes": str(needed), "purpose": "event", "event": str(event.id), **BENEFICIARY}
    _confirm(client, f"/buyer/retire/{org.id}/", data)
    assert event_queries.get_event(event.id).neutral_at is not None  # type: ignore[union-attr]
    after = client.get(f"/events/{event.id}", headers=ZH).text
    assert "碳中和" in after and link not in after
    again = client.get(f"/buyer/retire/{org.id}/", headers=EN).text
    assert 'value="event"' not in again  # nothing left to cover


def test_a_court_official_orders_and_retires_for_the_courts_case(
    client: FlaskClient, methodologies: dict[str, Any], db: Any
) -> None:
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=3)
    court = db.session.get(Organisation, case.org_id)
    admin = factories.make_user_with_role(Role.ADMIN)
    listing = listings.list_batch(
        actor=admin, batch_id=make_issued_batch(issued_tonnes=10).id, price="40"
    )
    factories.log_in(client, official)
    assert client.get(f"/buyer/listings/{listing.id}/order", headers=EN).status_code == 200
    make_holder(5, org=court)
    page = client.get(f"/court/cases/{case.id}", headers=EN).text
    link = f"/buyer/retire/{court.id}/?purpose=compensation&amp;case={case.id}"
    assert link in page and "Retire for this case" in page
    assert client.get("/buyer/retire/").headers["Location"].endswith(f"/buyer/retire/{court.id}/")
    form = client.get(link.replace("&amp;", "&"), headers=ZH)
    assert form.status_code == 200 and not english_sentences(form.text)
    assert _default(form.text, "tonnes") == "3"
    assert 'value="voluntary"' not in form.text and 'value="operations"' not in form.text
    data = {"tonnes": "3", "purpose": "compensation", "case": str(case.id), **BENEFICIARY}
    bad = client.post(f"/buyer/retire/{court.id}/", data={**data, "purpose": "voluntary"})
    assert bad.status_code == 422
    _confirm(client, f"/buyer/retire/{court.id}/", data)
    db.session.refresh(case)
    assert case.state == CaseState.FULFILLED
    public = client.get(f"/compensation/{case.id}", headers=EN).text
    assert "/registry/retirements/" in public
    none_left = client.get(f"/buyer/retire/{court.id}/", headers=EN).text
    assert "open cases needs tonnes now." in none_left


def test_the_case_must_be_chosen_for_compensation(
    client: FlaskClient, methodologies: dict[str, Any], db: Any
) -> None:
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=2)
    make_holder(2, org=db.session.get(Organisation, case.org_id))
    factories.log_in(client, official)
    data = {"tonnes": "2", "purpose": "compensation", "case": "", **BENEFICIARY}
    page = client.post(f"/buyer/retire/{case.org_id}/", data=data, headers=EN)
    assert page.status_code == 422 and "Choose the case the tonnes are retired for." in page.text
