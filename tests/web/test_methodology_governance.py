"""Developers draft and submit through the forms; officials review, file and publish versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.accounts.models import Organisation, User
from portal.blueprints.official.forms import VersionForm
from portal.blueprints.shared.methodology.convert import (
    definition_from_form,
    form_data_from_definition,
)
from portal.clock import SHANGHAI
from portal.methodology import queries, services
from portal.methodology.models import Methodology, MethodologyStatus
from portal.methodology.seed_specs import get_spec, load_specs
from portal.methodology.versions import definition_from_spec
from tests import factories

EN = {"Accept-Language": "en"}
HX = {**EN, "HX-Request": "true"}

S = MethodologyStatus


def form_fields(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten prefill data into the names WTForms posts (``factors-0-sources-1-title``)."""
    fields: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            fields.update(form_fields(value, f"{name}-"))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, row in enumerate(value):
                fields.update(form_fields(row, f"{name}-{index}-"))
        elif isinstance(value, list):
            if value:
                fields[name] = value
        elif isinstance(value, bool):
            if value:
                fields[name] = "y"
        else:
            fields[name] = "" if value is None else str(value)
    return fields


def draft_fields(org_id: int, code: str = "JLCH-TR-911", spec_code: str = "JLCH-TR-003") -> dict:
    definition = definition_from_spec(get_spec(spec_code))
    return {
        **form_fields(form_data_from_definition(definition, is_saleable=True)),
        "organisation_id": str(org_id),
        "code": code.lower(),  # the form upper-cases it
        "scenario_code": "cycling_plus",
        "title_zh": "骑行（扩展）",
        "title_en": "Cycling (extended)",
        "category": "transport",
    }


def _count(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(Methodology))


def _developer(login_as: Any) -> tuple[User, int]:
    user = login_as("developer")
    return user, user.memberships[0].organisation_id


def test_developer_drafts_through_the_form_and_submits(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    _, org_id = _developer(login_as)
    form = client.get("/developer/new", headers=EN)
    assert form.status_code == 200 and 'name="factors-2-value"' in form.text
    response = client.post("/developer/new", data=draft_fields(org_id), headers=EN)
    assert response.status_code == 302
    methodology = queries.get_methodology_by_code("JLCH-TR-911")
    assert methodology.status == S.DRAFT and methodology.developer_org_id == org_id
    version = methodology.versions[0]
    # The form builds exactly the stored shape: the seed's definition survives the round trip.
    assert version.definition == definition_from_spec(get_spec("JLCH-TR-003"))
    assert version.is_saleable and not version.is_filed

    page = client.get(response.headers["Location"], headers=EN)
    assert "Draft JLCH-TR-911 saved" in page.text and "confirm-form" in page.text
    assert "0.04" in page.text and "Submit for review" in page.text
    listing = client.get("/developer/", headers=EN).text
    assert "JLCH-TR-911" in listing and "Check the draft, then submit it" in listing

    submitted = client.post(
        f"/developer/{methodology.id}/submit", data={"comment": "请审查"}, follow_redirects=True
    )
    assert submitted.status_code == 200
    db.session.refresh(methodology)
    assert methodology.status == S.SUBMITTED
    assert [e.action for e in queries.list_history(methodology.id)] == ["draft", "submit"]
    again = client.post(f"/developer/{methodology.id}/submit", headers=EN, follow_redirects=True)
    assert "Only a draft can be submitted." in again.text


@pytest.mark.parametrize(
    ("change", "error_id", "message"),
    [
        ({"code": "JL-1"}, "code-error", "Use the pattern JLCH-TR-011"),
        ({"code": "JLCH-TR-11"}, "code-error", "Use the pattern JLCH-TR-011"),
        ({"factors-0-value": "zero point four"}, "factors-0-value-error", "Write a number"),
        ({"factors-0-value": "-1"}, "factors-0-value-error", "Write a number"),
        ({"caps-day-grams": "-5"}, "caps-day-grams-error", "at least 0"),
        ({"caps-day-grams": "9" * 400}, "caps-day-grams-error", "far too large"),
        ({"caps-year-records": "9" * 16}, "caps-year-records-error", "far too large"),
        ({"factors-0-sources-0-year": "9" * 400}, "factors-0-sources-0-year-error", "far too"),
        ({"caps-month-quantity": "-2"}, "caps-month-quantity-error", "Write a number"),
        ({"formula": "Q * nothing_declared"}, "formula-error", "no row declares: nothing_declared"),
        ({"formula": "__import__('os')"}, "formula-error", "only numbers, names, + - * / ( )"),
        ({"formula": "Q * (ef"}, "formula-error", "cannot be read near character 5"),
        ({"factors-0-name": "Q"}, "factors-0-name-error", "Q is the activity quantity"),
        (
            {"factors-0-sources-0-url": "javascript:alert(1)"},
            "factors-0-sources-0-url-error",
            "https://",
        ),
        ({"factors-0-sources-0-title": ""}, "factors-0-sources-0-title-error", "Fill this in"),
        (
            {"factors-0-sources-3-year": "abc"},
            "factors-0-sources-3-year-error",
            "Not a valid integer",
        ),
        ({"factors-0-sources-3-year": "2020"}, "factors-0-sources-3-title-error", "Fill this in"),
        ({"self_report": ""}, "self_report-error", "Citizens report themselves"),
        ({"evidence_tiers": []}, "evidence_tiers-error", "at least one kind of evidence"),
        ({"category": "weather"}, "category-error", "Not a valid choice"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith("-error") else "",
)
def test_invalid_drafts_name_the_field_and_create_nothing(
    client: FlaskClient, db: Any, login_as: Any, change: dict, error_id: str, message: str
) -> None:
    _, org_id = _developer(login_as)
    data = {**draft_fields(org_id), **change}
    data = {k: v for k, v in data.items() if v != ""}
    page = client.post("/developer/new", data=data, headers=EN)
    assert page.status_code == 422
    assert f'id="{error_id}"' in page.text, error_id
    assert message in page.text.replace("&#39;", "'")
    assert "Please correct the marked fields." in page.text
    assert _count(db) == 0


def test_a_formula_problem_is_explained_in_chinese(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    _, org_id = _developer(login_as)
    for formula, message in [
        ("Q * (ef", "公式在第5个字符附近无法解析：请检查括号和运算符。"),
        ("Q * ef ** 2", "公式只能使用数字、名称、+ - * / ( )，以及含两个或以上数值的 max 或 min。"),
    ]:
        page = client.post("/developer/new", data={**draft_fields(org_id), "formula": formula})
        assert page.status_code == 422 and message in page.text, formula
        assert "does not parse" not in page.text and "only numbers" not in page.text
    assert _count(db) == 0


def test_a_draft_needs_a_factor(client: FlaskClient, db: Any, login_as: Any) -> None:
    _, org_id = _developer(login_as)
    data = {
        k: v
        for k, v in draft_fields(org_id, spec_code="JLCH-SH-003").items()
        if not k.startswith("factors-")
    }
    page = client.post("/developer/new", data=data, headers=EN)
    assert page.status_code == 422 and 'id="factors-0-name-error"' in page.text
    assert "Give at least one factor." in page.text and _count(db) == 0


def test_a_taken_code_is_shown_on_the_code_field(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    services.seed_filed_methodologies()
    _, org_id = _developer(login_as)
    before = _count(db)
    page = client.post("/developer/new", data=draft_fields(org_id, "JLCH-TR-003"), headers=EN)
    assert page.status_code == 422 and 'id="code-error"' in page.text
    assert "A methodology with this code already exists." in page.text
    assert _count(db) == before


def test_developers_see_only_their_own_organisations_methodologies(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    _, org_id = _developer(login_as)
    client.post("/developer/new", data=draft_fields(org_id), headers=EN)
    mine = queries.get_methodology_by_code("JLCH-TR-911")
    login_as("developer")
    assert client.get(f"/developer/{mine.id}").status_code == 404
    assert client.post(f"/developer/{mine.id}/submit").status_code == 404
    assert client.post(f"/developer/{mine.id}/comments", data={"comment": "x"}).status_code == 404
    assert "JLCH-TR-911" not in client.get("/developer/", headers=EN).text
    # The draft's organisation choice offers only the user's own organisations.
    form = client.get("/developer/new").text
    assert f'value="{org_id}"' not in form
    forged = client.post("/developer/new", data=draft_fields(org_id, "JLCH-TR-912"))
    assert forged.status_code == 422 and 'id="organisation_id-error"' in forged.text
    assert queries.get_methodology_by_code("JLCH-TR-912") is None


def test_developer_comments_with_htmx(client: FlaskClient, db: Any, login_as: Any) -> None:
    _, org_id = _developer(login_as)
    client.post("/developer/new", data=draft_fields(org_id), headers=EN)
    methodology = queries.get_methodology_by_code("JLCH-TR-911")
    fragment = client.post(
        f"/developer/{methodology.id}/comments", data={"comment": "补充说明"}, headers=HX
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "补充说明" in fragment.text and "Comment added." in fragment.text
    empty = client.post(f"/developer/{methodology.id}/comments", data={"comment": " "}, headers=HX)
    assert empty.status_code == 200 and 'id="comment-error"' in empty.text


def _submitted(client: FlaskClient, login_as: Any) -> Methodology:
    _, org_id = _developer(login_as)
    client.post("/developer/new", data=draft_fields(org_id), headers=EN)
    methodology = queries.get_methodology_by_code("JLCH-TR-911")
    client.post(f"/developer/{methodology.id}/submit")
    return methodology


def _review(client: FlaskClient, mid: int, action: str, **data: str) -> Any:
    return client.post(
        f"/official/methodologies/{mid}/review", data={"action": action, **data}, headers=EN
    )


def test_official_reviews_and_files_through_the_forms(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    methodology = _submitted(client, login_as)
    mid = methodology.id
    login_as("official", display_name="审查员丙")
    dashboard = client.get("/official/", headers=EN).text
    assert "JLCH-TR-911" in dashboard and "Methodologies waiting for review" in dashboard
    assert f"/official/methodologies/{mid}" in dashboard

    page = client.get(f"/official/methodologies/{mid}", headers=EN).text
    assert "Start the review" in page and "0.04" in page
    assert _review(client, mid, "start_review").status_code == 302
    page = client.get(f"/official/methodologies/{mid}", headers=EN).text
    assert 'value="file"' in page and "confirm-form" in page and "data-confirm=" in page

    refused = _review(client, mid, "request_changes", comment="")
    assert (
        refused.status_code == 422 and 'id="action-request_changes-comment-error"' in refused.text
    )
    assert "Give a reason" in refused.text
    _review(client, mid, "request_changes", comment="请补充数据来源")
    db.session.refresh(methodology)
    assert methodology.status == S.CHANGES_REQUESTED
    # The same button pressed again from a stale tab: told why, on the page as it now is.
    stale = _review(client, mid, "request_changes", comment="")
    assert stale.status_code == 302
    told = client.get(stale.headers["Location"], headers=EN).text
    assert "JLCH-TR-911 is now" in told and "that action no longer applies" in told

    developer = db.session.get(User, methodology.submitted_by_id)
    factories.log_in(client, developer)
    assert "请补充数据来源" in client.get(f"/developer/{mid}", headers=EN).text
    client.post(f"/developer/{mid}/submit")
    login_as("official")
    _review(client, mid, "start_review")
    bad = _review(client, mid, "file", effective_from="not-a-date")
    assert bad.status_code == 422 and 'id="action-file-date-error"' in bad.text
    filed = _review(client, mid, "file", effective_from="2027-01-01", comment="同意备案")
    assert filed.status_code == 302
    page = client.get(filed.headers["Location"], headers=EN).text
    assert "JLCH-TR-911 filed" in page
    db.session.refresh(methodology)
    assert methodology.status == S.FILED
    assert methodology.versions[0].effective_from == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    public = client.get("/methodologies/JLCH-TR-911", headers=EN)
    assert public.status_code == 200 and "同意备案" in public.text
    assert "审查员丙" not in public.text

    suspend = _review(client, mid, "suspend", comment="")
    assert suspend.status_code == 422 and "Give a reason" in suspend.text
    _review(client, mid, "suspend", comment="数据核查")
    _review(client, mid, "reinstate")
    _review(client, mid, "retire", comment="被新方法学取代")
    db.session.refresh(methodology)
    assert methodology.status == S.RETIRED
    illegal = _review(client, mid, "start_review")
    assert illegal.status_code == 302
    told = client.get(illegal.headers["Location"], headers=EN).text
    assert "JLCH-TR-911 is now Retired; that action no longer applies." in told


def test_an_official_of_the_developer_organisation_is_told_why_they_cannot_file(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    methodology = _submitted(client, login_as)
    official = login_as("official")
    factories.make_membership(official, db.session.get(Organisation, methodology.developer_org_id))
    factories.log_in(client, official)
    _review(client, methodology.id, "start_review")
    page = client.get(f"/official/methodologies/{methodology.id}", headers=EN).text
    assert "You cannot file this methodology." in page and 'value="file"' not in page
    response = _review(client, methodology.id, "file", effective_from="2027-01-01")
    assert "The submitter&#39;s own organisation can never file its methodology." in response.text
    db.session.refresh(methodology)
    assert methodology.status == S.UNDER_REVIEW


def _shanghai_day(offset: int) -> date:
    return datetime.now(SHANGHAI).date() + timedelta(days=offset)


def test_official_publishes_a_new_version(client: FlaskClient, db: Any, login_as: Any) -> None:
    services.seed_filed_methodologies()
    login_as("official")
    grid = queries.get_methodology_by_code("JLCH-HS-003")
    page = client.get(f"/official/methodologies/{grid.id}/versions/new", headers=EN)
    assert page.status_code == 200 and 'value="0.4671"' in page.text
    assert "baseline_kwh" in page.text and "confirm-form" in page.text

    data = form_fields(form_data_from_definition(grid.versions[-1].definition, True))
    data.update({"factors-0-value": "0.4500", "change_note": "2024 年电网因子"})
    past = client.post(
        f"/official/methodologies/{grid.id}/versions/new",
        data={**data, "effective_from": _shanghai_day(-1).isoformat()},
        headers=EN,
    )
    assert past.status_code == 422 and 'id="effective_from-error"' in past.text
    tomorrow = _shanghai_day(1)
    response = client.post(
        f"/official/methodologies/{grid.id}/versions/new",
        data={**data, "effective_from": tomorrow.isoformat()},
        headers=EN,
    )
    assert response.status_code == 302
    db.session.refresh(grid)
    _seeded, first, second = grid.versions
    start = datetime.combine(tomorrow, time.min, tzinfo=SHANGHAI)
    assert second.effective_from == start and first.effective_to == start
    assert second.definition["factors"][0]["value"] == "0.4500"
    assert second.change_note == "2024 年电网因子"
    in_force = queries.get_version_in_force(grid.id, start + timedelta(hours=1))
    assert in_force.id == second.id
    public = client.get("/methodologies/JLCH-HS-003", headers=EN).text
    assert "2024 年电网因子" in public and "0.4671" in public  # version 2 is still in force


def test_versions_only_for_filed_methodologies(client: FlaskClient, db: Any, login_as: Any) -> None:
    methodology = _submitted(client, login_as)
    login_as("official")
    response = client.get(
        f"/official/methodologies/{methodology.id}/versions/new", headers=EN, follow_redirects=True
    )
    assert "Only a filed methodology gets new versions." in response.text


def test_official_list_filters_by_status_with_htmx(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    services.seed_filed_methodologies()
    login_as("official")
    page = client.get("/official/methodologies", headers=EN)
    assert page.status_code == 200 and page.text.count("/official/methodologies/") >= 22
    fragment = client.get("/official/methodologies?status=filed", headers=HX)
    assert "<html" not in fragment.text and "JLCH-TR-003" in fragment.text
    empty = client.get("/official/methodologies?status=submitted", headers=HX)
    assert "No methodology has this status." in empty.text
    bad = client.get("/official/methodologies?status=bogus", headers=EN)
    assert bad.status_code == 200 and "JLCH-TR-003" in bad.text


def test_official_comment_with_htmx(client: FlaskClient, db: Any, login_as: Any) -> None:
    methodology = _submitted(client, login_as)
    login_as("official")
    fragment = client.post(
        f"/official/methodologies/{methodology.id}/comments",
        data={"comment": "请说明基准线"},
        headers=HX,
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "请说明基准线" in fragment.text


def test_unknown_ids_and_unsubmitted_drafts_are_404_for_officials(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    _, org_id = _developer(login_as)
    client.post("/developer/new", data=draft_fields(org_id), headers=EN)
    draft = queries.get_methodology_by_code("JLCH-TR-911")
    login_as("official")
    assert client.get(f"/official/methodologies/{draft.id}").status_code == 404
    assert "JLCH-TR-911" not in client.get("/official/methodologies").text
    assert client.get("/official/methodologies/999999").status_code == 404
    assert client.post("/official/methodologies/999999/review").status_code == 404


def test_every_seed_definition_round_trips_through_the_version_form(app: Flask, db: Any) -> None:
    for spec in load_specs():
        definition = definition_from_spec(spec)
        data = form_fields(form_data_from_definition(definition, spec.saleable))
        data.update({"effective_from": _shanghai_day(1).isoformat(), "change_note": "x"})
        with app.test_request_context(method="POST", data=data):
            form = VersionForm(meta={"csrf": False})
            assert form.validate(), (spec.code, form.errors)
            assert definition_from_form(form) == definition, spec.code


def _edit_fields(org_id: int, **changes: str) -> dict[str, Any]:
    """The draft form as the edit page posts it: no code, no organisation."""
    data = {k: v for k, v in draft_fields(org_id).items() if k not in ("code", "organisation_id")}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _my_draft(client: FlaskClient, login_as: Any) -> tuple[Methodology, int]:
    _, org_id = _developer(login_as)
    client.post("/developer/new", data=draft_fields(org_id), headers=EN)
    return queries.get_methodology_by_code("JLCH-TR-911"), org_id


def test_the_edit_form_is_prefilled_and_keeps_code_and_organisation(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    methodology, _ = _my_draft(client, login_as)
    detail = client.get(f"/developer/{methodology.id}", headers=EN).text
    assert f'href="/developer/{methodology.id}/edit"' in detail and "Edit the draft" in detail
    page = client.get(f"/developer/{methodology.id}/edit", headers=EN)
    assert page.status_code == 200
    assert 'name="factors-0-value"' in page.text and 'value="0.04"' in page.text
    assert 'value="cycling_plus"' in page.text and 'value="Cycling (extended)"' in page.text
    assert "Q * recommended</textarea>" in page.text
    assert '<option selected value="transport">' in page.text
    # The code and organisation are shown, not editable.
    assert "JLCH-TR-911" in page.text and "cannot be changed" in page.text
    assert 'name="code"' not in page.text and 'name="organisation_id"' not in page.text


def test_a_valid_edit_replaces_the_definition_and_shows_in_history(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    methodology, org_id = _my_draft(client, login_as)
    version_id = methodology.versions[0].id
    # A forged code or organisation in the post is ignored.
    data = _edit_fields(org_id, **{"factors-0-value": "0.05", "title_en": "Cycling (revised)"}) | {
        "code": "JLCH-TR-999",
        "organisation_id": "999999",
    }
    response = client.post(f"/developer/{methodology.id}/edit", data=data, headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/developer/{methodology.id}")
    db.session.expire_all()
    edited = db.session.get(Methodology, methodology.id)
    assert edited.code == "JLCH-TR-911" and edited.developer_org_id == org_id
    assert edited.title_en == "Cycling (revised)" and edited.status == S.DRAFT
    [version] = edited.versions
    assert version.id == version_id
    assert version.definition["factors"][0]["value"] == "0.05"
    assert [e.action for e in queries.list_history(edited.id)] == ["draft", "edit"]
    page = client.get(f"/developer/{edited.id}", headers=EN).text
    assert "Draft JLCH-TR-911 saved" in page and "Draft revised" in page and "0.05" in page
    again = client.get(f"/developer/{edited.id}/edit", headers=EN).text
    assert 'value="0.05"' in again


@pytest.mark.parametrize(
    ("change", "error_id", "message"),
    [
        ({"factors-0-value": "zero point four"}, "factors-0-value-error", "Write a number"),
        ({"formula": "Q * nothing_declared"}, "formula-error", "no row declares: nothing_declared"),
        ({"title_en": ""}, "title_en-error", "This field is required."),
        ({"category": "weather"}, "category-error", "Not a valid choice"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith("-error") else "",
)
def test_an_invalid_edit_names_the_field_and_changes_nothing(
    client: FlaskClient, db: Any, login_as: Any, change: dict, error_id: str, message: str
) -> None:
    methodology, org_id = _my_draft(client, login_as)
    before = dict(methodology.versions[0].definition), methodology.title_en
    page = client.post(
        f"/developer/{methodology.id}/edit", data=_edit_fields(org_id, **change), headers=EN
    )
    assert page.status_code == 422
    assert f'id="{error_id}"' in page.text, error_id
    assert message in page.text and "Please correct the marked fields." in page.text
    db.session.expire_all()
    unchanged = db.session.get(Methodology, methodology.id)
    assert (unchanged.versions[0].definition, unchanged.title_en) == before
    assert [e.action for e in queries.list_history(methodology.id)] == ["draft"]


def test_editing_is_refused_once_submitted(client: FlaskClient, db: Any, login_as: Any) -> None:
    methodology, org_id = _my_draft(client, login_as)
    client.post(f"/developer/{methodology.id}/submit")
    detail = client.get(f"/developer/{methodology.id}", headers=EN).text
    assert f"/developer/{methodology.id}/edit" not in detail
    for response in (
        client.get(f"/developer/{methodology.id}/edit", headers=EN),
        client.post(
            f"/developer/{methodology.id}/edit",
            data=_edit_fields(org_id, **{"factors-0-value": "0.05"}),
            headers=EN,
        ),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/developer/{methodology.id}")
    page = client.get(f"/developer/{methodology.id}", headers=EN).text
    assert "Only a draft, or one sent back for changes, can be edited." in page
    db.session.expire_all()
    assert db.session.get(Methodology, methodology.id).versions[0].definition == (
        definition_from_spec(get_spec("JLCH-TR-003"))
    )
    assert [e.action for e in queries.list_history(methodology.id)] == ["draft", "submit"]


def test_only_the_developer_organisation_sees_the_edit_form(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    methodology, org_id = _my_draft(client, login_as)
    # Another organisation's developer is not told the draft exists; other roles never get in.
    for role, status in (("developer", 404), ("official", 403), ("citizen", 403)):
        login_as(role)
        assert client.get(f"/developer/{methodology.id}/edit").status_code == status, role
        response = client.post(f"/developer/{methodology.id}/edit", data=_edit_fields(org_id))
        assert response.status_code == status, role
    login_as("developer")
    assert client.get("/developer/999999/edit").status_code == 404
    assert [e.action for e in queries.list_history(methodology.id)] == ["draft"]


def test_after_changes_are_requested_the_developer_edits_and_resubmits(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    methodology = _submitted(client, login_as)
    mid = methodology.id
    developer = db.session.get(User, methodology.submitted_by_id)
    org_id = methodology.developer_org_id
    login_as("official")
    _review(client, mid, "start_review")
    _review(client, mid, "request_changes", comment="请把因子改为 0.05")
    factories.log_in(client, developer)
    detail = client.get(f"/developer/{mid}", headers=EN).text
    assert "请把因子改为 0.05" in detail and "Edit the draft where the comment asks" in detail
    assert f'href="/developer/{mid}/edit"' in detail
    form = client.get(f"/developer/{mid}/edit", headers=EN).text
    assert "What the reviewer asked" in form and "请把因子改为 0.05" in form
    response = client.post(
        f"/developer/{mid}/edit", data=_edit_fields(org_id, **{"factors-0-value": "0.05"})
    )
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Methodology, mid)
    assert edited.status == S.CHANGES_REQUESTED
    assert edited.versions[-1].definition["factors"][0]["value"] == "0.05"
    client.post(f"/developer/{mid}/submit")
    db.session.expire_all()
    assert db.session.get(Methodology, mid).status == S.SUBMITTED
    actions = [e.action for e in queries.list_history(mid)]
    assert actions[-2:] == ["edit", "submit"]


def _new_version_form(login_as: Any, code: str) -> tuple[Methodology, dict[str, Any]]:
    """A seeded methodology and its version form's fields, prefilled, as an official posts it."""
    services.seed_filed_methodologies()
    login_as("official")
    methodology = queries.get_methodology_by_code(code)
    return methodology, form_fields(
        form_data_from_definition(methodology.versions[-1].definition, True)
    )


def test_the_version_form_previews_the_formula_without_publishing(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    grid, data = _new_version_form(login_as, "JLCH-HS-003")
    url = f"/official/methodologies/{grid.id}/versions/new"
    page = client.get(url, headers=EN).text
    # The current version on sample inputs, the plausible maxima among them, against its cap.
    assert "Preview of the formula" in page and "Tightest grams cap: 14,013 g" in page
    assert "Largest at the plausible bounds" in page and "14,013 g CO₂e" in page
    data.update({"caps-day-grams": "5000", "preview": "show", "change_note": "x"})
    fragment = client.post(url, data={**data, "effective_from": "2099-01-01"}, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert (
        'id="formula-preview"' in fragment.text and "Tightest grams cap: 5,000 g" in fragment.text
    )
    assert "14,013 g CO₂e" in fragment.text and "the cap bites" in fragment.text
    # Without htmx the whole form comes back with the preview filled in; nothing is published.
    full = client.post(url, data={**data, "effective_from": "2099-01-01"}, headers=EN)
    assert "<html" in full.text and "Tightest grams cap: 5,000 g" in full.text
    db.session.refresh(grid)
    assert len(grid.versions) == 2


def test_a_preview_of_a_broken_formula_says_so(client: FlaskClient, db: Any, login_as: Any) -> None:
    _, org_id = _developer(login_as)
    data = {**draft_fields(org_id), "formula": "Q * (", "preview": "show"}
    fragment = client.post("/developer/new", data=data, headers=HX)
    assert fragment.status_code == 200
    assert "Fill in the formula" in fragment.text and "g CO₂e</td>" not in fragment.text
    assert queries.get_methodology_by_code("JLCH-TR-911") is None


def test_a_form_without_a_grams_cap_cannot_publish(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    cycling, data = _new_version_form(login_as, "JLCH-TR-003")
    data.update({"caps-day-grams": "", "change_note": "no grams", "effective_from": "2099-01-01"})
    response = client.post(
        f"/official/methodologies/{cycling.id}/versions/new", data=data, headers=EN
    )
    assert response.status_code == 422 and "cap in grams CO₂e per person" in response.text
    db.session.refresh(cycling)
    assert len(cycling.versions) == 2
