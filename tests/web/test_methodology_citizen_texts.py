"""A methodology filed through the forms is bilingual too: the definition form takes the texts
citizens read (how it is worked out, what is counted, the caps, each factor in words) in Chinese
and English, refuses one language without the other, stores them on the version and the pages
show them in the reader's language."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from portal.blueprints.official.forms import VersionForm
from portal.blueprints.shared.methodology.convert import (
    definition_from_form,
    form_data_from_definition,
)
from portal.methodology import queries
from tests.web.test_methodology_governance import draft_fields, form_fields

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
CITIZEN = {
    "description_zh": "按骑行里程计算，每千米乘以每千米的减排量。",
    "description_en": "Credited by distance, each kilometre times the reduction per kilometre.",
    "activity_zh": "导航记录的骑行里程。",
    "activity_en": "Kilometres of a navigated ride.",
    "factors-0-label_zh": "每千米骑行的减排量",
    "factors-0-label_en": "Reduction per kilometre cycled",
    "factors-0-note_zh": "取自武汉的数值。",
    "factors-0-note_en": "The figure Wuhan uses.",
}


def _draft(client: FlaskClient, login_as: Any, **changes: str) -> Any:
    user = login_as("developer")
    data = {**draft_fields(user.memberships[0].organisation_id), **changes}
    return client.post("/developer/new", data=data, headers=EN)


def test_one_language_without_the_other_is_refused(client: FlaskClient, login_as: Any) -> None:
    page = _draft(client, login_as, description_zh="按里程计算。", **{"factors-0-note_en": "x"})
    assert page.status_code == 422
    assert 'id="description_en-error"' in page.text and 'id="factors-0-note_zh-error"' in page.text
    assert "Give this text in both languages" in page.text
    assert queries.get_methodology_by_code("JLCH-TR-911") is None


def test_citizen_texts_are_stored_and_shown_in_the_readers_language(
    client: FlaskClient, login_as: Any
) -> None:
    response = _draft(client, login_as, **CITIZEN)
    assert response.status_code == 302
    version = queries.get_methodology_by_code("JLCH-TR-911").versions[0]
    assert version.definition["texts"]["description"]["zh"] == CITIZEN["description_zh"]
    assert "caps" not in version.definition["texts"]  # left empty in both languages
    chinese = client.get(response.headers["Location"], headers=ZH).text
    assert CITIZEN["description_zh"] in chinese and "每千米骑行的减排量" in chinese
    assert "取自武汉的数值。" in chinese and "The figure Wuhan uses." not in chinese
    english = client.get(response.headers["Location"], headers=EN).text
    assert CITIZEN["activity_en"] in english and "Reduction per kilometre cycled" in english
    assert "每千米骑行的减排量" not in english


def test_citizen_texts_round_trip_through_the_form(
    client: FlaskClient, login_as: Any, app: Flask
) -> None:
    _draft(client, login_as, **CITIZEN)
    version = queries.get_methodology_by_code("JLCH-TR-911").versions[0]
    data = form_fields(form_data_from_definition(version.definition, version.is_saleable))
    data.update({"effective_from": "2030-01-01", "change_note": "x"})
    with app.test_request_context(method="POST", data=data):
        form = VersionForm(meta={"csrf": False})
        assert form.validate(), form.errors
        assert definition_from_form(form) == version.definition
