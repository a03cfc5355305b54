"""A citizen changes their display name, city and district on their account page; the change is
audited and held to the same rules as at sign-up."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import AuditEvent
from portal.errors import InvalidInput
from tests import factories

EN = {"Accept-Language": "en"}


def test_the_account_page_offers_the_profile_form(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    account = client.get("/me/", headers=EN)
    assert 'href="/me/profile"' in account.text
    form = client.get("/me/profile", headers=EN)
    assert form.status_code == 200 and 'name="display_name"' in form.text
    assert '<option selected value="220100">' in form.text  # the current city is chosen


def test_a_citizen_changes_their_profile(client: FlaskClient, login_as: Any, db: Any) -> None:
    user = login_as("citizen")
    data = {"display_name": "  绿色骑手 ", "city_code": "220200", "district": "船营区"}
    response = client.post("/me/profile", data=data, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/")
    page = client.get("/me/", headers=EN)
    assert "Your profile has been saved." in page.text
    assert "绿色骑手" in page.text and "船营区" in page.text
    db.session.refresh(user)
    assert (user.display_name, user.city_code, user.district) == ("绿色骑手", "220200", "船营区")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "account.profile_updated")
    )
    assert event.actor_id == user.id and event.subject_id == str(user.id)
    assert event.details == {"changed": ["display_name", "city_code", "district"]}


def test_clearing_the_district_and_saving_nothing_new(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    user = login_as("citizen", district="南关区")
    data = {"display_name": user.display_name, "city_code": user.city_code, "district": " "}
    assert client.post("/me/profile", data=data).status_code == 302
    db.session.refresh(user)
    assert user.district is None
    assert client.post("/me/profile", data={**data, "district": ""}).status_code == 302
    changes = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "account.profile_updated")
    ).all()
    assert changes == [{"changed": ["district"]}]  # the second save changed nothing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"display_name": "\u200b\u200d\ufeff"}, "only invisible characters"),
        ({"display_name": "Li\x1b[31m"}, "control character U+001B"),
        ({"district": "朝阳\u202e区"}, "text-direction control U+202E"),
        ({"display_name": ""}, "This field is required."),
        ({"display_name": "名" * 41}, "between 1 and 40"),
        ({"city_code": ""}, "Choose the city or prefecture of Jilin you live in."),
        ({"city_code": "110000"}, "Not a valid choice"),
    ],
)
def test_a_bad_profile_names_the_problem(
    client: FlaskClient, login_as: Any, db: Any, change: dict[str, str], message: str
) -> None:
    user = login_as("citizen")
    data = {"display_name": "新名字", "city_code": "220200", "district": "", **change}
    response = client.post("/me/profile", data=data, headers=EN)
    assert response.status_code == 422 and message in response.text
    assert 'aria-invalid="true"' in response.text
    db.session.refresh(user)
    assert user.city_code == "220100"


def test_the_service_holds_the_same_rules(db: Any) -> None:
    user = factories.make_user()
    with pytest.raises(InvalidInput) as refused:
        accounts.update_profile(user.id, display_name="a\u202eb", city_code="220100", district=None)
    assert refused.value.field == "display_name"
    with pytest.raises(InvalidInput) as refused:
        accounts.update_profile(user.id, display_name="ok", city_code="220100", district="\x07")
    assert refused.value.field == "district"
