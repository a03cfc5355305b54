"""A number with thousands of digits is answered in our own words (Python refuses to turn more
than 4,300 digits into an int, with advice meant for programmers), in the API and in forms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests import factories
from tests.web.test_api import send, trip
from tests.web.test_citizen import png, yesterday_at

EN = {"Accept-Language": "en"}
HUGE = "9" * 5000


@pytest.fixture
def metro(db: Any, methodologies: Any) -> Any:
    partner = factories.make_partner(["JLCH-TR-008"])
    factories.link(partner, factories.make_user(), "card-1")
    return partner


def _batch(**fields: str) -> str:
    """A batch whose record has these fields as bare JSON numbers (digits, no quotes)."""
    record = json.dumps(trip("t-1", **{name: "@" + name for name in fields}))
    for name, digits in fields.items():
        record = record.replace(f'"@{name}"', digits)
    return '{"records": [' + record + "]}"


def test_a_quantity_of_5000_digits_is_a_record_error_like_any_huge_quantity(
    client: FlaskClient, db: Any, metro: Any
) -> None:
    huge = send(client, metro, _batch(quantity=HUGE))
    large = send(client, metro, _batch(quantity="9" * 60))
    assert huge.status_code == large.status_code == 200
    assert "set_int_max_str_digits" not in huge.text
    assert huge.json["results"][0]["errors"] == large.json["results"][0]["errors"]
    assert huge.json["results"][0]["errors"][0]["field"] == "quantity"


def test_5000_digits_where_text_belongs_is_answered_as_not_text(
    client: FlaskClient, db: Any, metro: Any
) -> None:
    response = send(client, metro, _batch(user_ref=HUGE))
    assert response.status_code == 200
    assert response.json["results"][0]["errors"] == [
        {"field": "user_ref", "message": "This value must be text."}
    ]
    link = send(client, metro, f'{{"code": {HUGE}, "user_ref": "card-2"}}', path="/api/v1/links")
    assert link.status_code == 422 and "set_int_max_str_digits" not in link.text
    assert link.json["errors"] == [{"field": "code", "message": "Input should be a valid string"}]


def test_forms_answer_5000_digits_in_their_own_words(
    client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    login_as("citizen")
    data = {
        "quantity": HUGE,
        "unit": "km",
        "occurred_at": yesterday_at(9),
        "photo": (png(), "a.png"),
    }
    response = client.post(
        "/me/log/transport/JLCH-TR-003", data=data, content_type="multipart/form-data", headers=EN
    )
    assert response.status_code == 422 and "set_int_max_str_digits" not in response.text
    listing = client.get(f"/me/records?page={HUGE}", headers=EN)
    assert listing.status_code == 200


def test_a_whole_number_field_answers_5000_digits_as_not_a_whole_number(app: Any) -> None:
    from werkzeug.datastructures import MultiDict

    from portal.blueprints.shared.methodology.rows import CapRow

    with app.test_request_context(headers=EN):
        row = CapRow(MultiDict({"grams": HUGE}))
        row.validate()
        assert row.grams.errors == ["Not a valid integer value."]
        assert HUGE in row.grams()  # shown back as typed, for correction
