"""Control characters, direction overrides and invisible-only text are refused with a message
naming the problem in every form (one check, given to every text field by the forms' base) and
in the partner API's string fields."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from wtforms import Form

import portal.blueprints
from portal.accounts.models import Organisation, User
from portal.activities.partners import links
from portal.blueprints.shared.forms import PlainTextMeta
from tests import factories
from tests.web.test_api import send, trip

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
BAD = [
    ("\x01\x02\x07\x1b[31m\x7f", "the control character U+0001"),
    ("Li\r\nLei", "Keep this on one line"),
    ("gpj.\u202eexe", "the text-direction control U+202E"),
    ("\u200b\u200d\ufeff", "only invisible characters"),
]


def _signup(**changes: str) -> dict[str, str]:
    return {
        "login": "13811112222",
        "password": "Green2026pass",
        "confirm": "Green2026pass",
        "display_name": "李雷",
        "city_code": "220100",
        "district": "朝阳区",
        "birth_year": "1990",
        "consent": "y",
        **changes,
    }


@pytest.mark.parametrize("field", ["display_name", "district"])
@pytest.mark.parametrize(("value", "words"), BAD, ids=["controls", "crlf", "rlo", "invisible"])
def test_sign_up_refuses_text_that_is_not_plain(
    client: FlaskClient, db: Any, field: str, value: str, words: str
) -> None:
    response = client.post("/auth/register", data=_signup(**{field: value}), headers=EN)
    assert response.status_code == 422 and words in response.text
    assert db.session.scalar(select(User).where(User.phone == "13811112222")) is None


def test_the_message_is_in_chinese_too(client: FlaskClient, db: Any) -> None:
    response = client.post("/auth/register", data=_signup(display_name="a\u202eb"), headers=ZH)
    assert response.status_code == 422 and "文字方向控制符 U+202E" in response.text


def test_a_form_of_another_audience_refuses_it_as_well(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    login_as("admin")
    data = {
        "name_zh": "生态局\x07",
        "name_en": "Bureau",
        "kind": "regulator",
        "city_code": "220200",
    }
    response = client.post("/admin/organisations/new", data=data, headers=EN)
    assert response.status_code == 422 and "U+0007" in response.text
    assert db.session.scalar(select(Organisation).where(Organisation.name_en == "Bureau")) is None


def _form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(portal.blueprints.__path__, "portal.blueprints."):
        importlib.import_module(module.name)
    found, todo = [], list(Form.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("portal."):
            found.append(cls)
    return found


def test_every_form_gives_its_text_fields_the_check(app: Any) -> None:
    forms = _form_classes()
    assert len(forms) > 15
    unchecked = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in forms
        if not any(
            issubclass(base.__dict__.get("Meta", object), PlainTextMeta) for base in cls.__mro__
        )
    ]
    assert unchecked == []


def test_multi_line_text_keeps_its_line_breaks(
    client: FlaskClient, app: Any, login_as: Any, db: Any
) -> None:
    from portal.blueprints.citizen.forms import AppealForm

    with app.test_request_context(method="POST", data={"comment": "line one\r\nline two"}):
        assert AppealForm().validate()
    with app.test_request_context(method="POST", data={"comment": "ring the bell\x07"}):
        form = AppealForm()
        assert not form.validate() and "U+0007" in form.comment.errors[0]


@pytest.fixture
def metro(db: Any, methodologies: Any) -> Any:
    partner = factories.make_partner(["JLCH-TR-008"])
    factories.link(partner, factories.make_user(), "card-1")
    return partner


def test_the_api_refuses_an_external_id_with_controls(
    client: FlaskClient, db: Any, metro: Any
) -> None:
    records = [trip("t-\u202e1"), trip("t-\x072"), trip("t-3", note="line\nbreak is fine")]
    body = send(client, metro, {"records": records}).json
    assert [r["status"] for r in body["results"]] == ["rejected", "rejected", "accepted"]
    first, second = (r["errors"] for r in body["results"][:2])
    assert first == [
        {
            "field": "external_id",
            "message": "It contains the text-direction control U+202E, which can make text "
            "read differently from what it is.",
        }
    ]
    assert second[0]["field"] == "external_id" and "U+0007" in second[0]["message"]


def test_the_link_api_refuses_a_user_ref_with_controls(
    client: FlaskClient, db: Any, metro: Any
) -> None:
    code = links.create_link_code(factories.make_user().id).code
    payload = {"code": code, "user_ref": "card\u202e9"}
    response = send(client, metro, payload, path="/api/v1/links")
    assert response.status_code == 422
    assert response.json["errors"] == [
        {
            "field": "user_ref",
            "message": "It contains the text-direction control U+202E, which can make text "
            "read differently from what it is.",
        }
    ]
