"""Team pages: my teams, creating (bad input in both languages, nothing written), the invite,
joining by code or link through the confirmation page, members shown to members only, the
captain's tools with their confirmations, and CSRF on every form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.teams import queries
from portal.teams.models import Team, TeamMembership
from tests import factories
from tests.web.test_merchant_pages import EN, ZH, english_sentences

HIDDEN = re.compile(r'name="(token|code)" type="hidden" value="([^"]*)"')
ERRORS = re.compile(r'class="(?:error|flash[^"]*)"[^>]*>([^<]*)<')


def _team_count() -> int:
    return int(factories.session().scalar(select(func.count()).select_from(Team)) or 0)


def test_my_teams_and_the_create_form_in_both_languages(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    zh = client.get("/teams", headers=ZH)
    assert zh.status_code == 200 and "我的团队" in zh.text
    assert not english_sentences(zh.text)
    assert "Join with a code" in client.get("/teams", headers=EN).text
    form = client.get("/teams/new", headers=ZH)
    assert form.status_code == 200 and not english_sentences(form.text)


@pytest.mark.parametrize(
    ("fields", "zh", "en"),
    [
        ({"name": ""}, "请给团队起个名字", "Give the team a name."),
        ({"name": "队" * 41}, "最多 40 个字", "at most 40 characters"),
        ({"size_limit": "-3"}, "整数", "whole number"),
        ({"size_limit": "999999"}, "2 至 3000", "from 2 to 3000 members"),
        ({"kind": "school"}, "学校", "staff"),
    ],
)
def test_bad_team_input_is_named_and_writes_nothing(
    client: FlaskClient, login_as: Any, fields: dict[str, str], zh: str, en: str
) -> None:
    login_as("citizen")
    data = {"name": "净月志愿队", "kind": "volunteer", "bracket": "junior", "size_limit": "30"}
    data.update(fields)
    before = _team_count()
    for headers, expected in ((ZH, zh), (EN, en)):
        page = client.post("/teams/new", data=data, headers=headers)
        assert page.status_code == 422, page.text
        assert expected in " ".join(ERRORS.findall(page.text)), (headers, expected)
    assert _team_count() == before


def test_a_captain_creates_a_class_and_a_member_joins_by_code(
    client: FlaskClient, login_as: Any
) -> None:
    captain = login_as(Role.TEAM_CAPTAIN, display_name="王老师")
    school = factories.make_team(captain, kind="school", name="长春市第二实验中学")
    response = client.post(
        "/teams/new",
        data={
            "name": "初二（3）班",
            "kind": "class",
            "parent_id": str(school.id),
            "size_limit": "50",
        },
    )
    assert response.status_code == 302
    klass = factories.session().scalar(select(Team).where(Team.name == "初二（3）班"))
    assert klass is not None and klass.parent_id == school.id and klass.bracket == "junior"
    invite_page = client.get(f"/teams/{klass.id}/invite", headers=ZH)
    assert invite_page.status_code == 200 and "<svg" in invite_page.text
    code = queries.get_current_invite(klass.id).code  # type: ignore[union-attr]
    pupil = factories.make_user(display_name="小明同学")
    factories.log_in(client, pupil)
    confirm = client.post("/teams/join", data={"code": code.lower()}, headers=ZH)
    assert confirm.status_code == 200 and "初二（3）班" in confirm.text
    assert not english_sentences(confirm.text)
    assert queries.get_open_membership(klass.id, pupil.id) is None  # not before confirming
    hidden = dict(HIDDEN.findall(confirm.text))
    joined = client.post("/teams/join/confirm", data=hidden)
    assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/teams/{klass.id}")
    page = client.get(f"/teams/{klass.id}", headers=ZH)
    assert "小明同学" in page.text and "王老师" in page.text
    assert not english_sentences(page.text)
    school_page = client.get(f"/teams/{school.id}", headers=EN)
    assert "初二（3）班" in school_page.text
    # A signed-in stranger sees counts, never the members.
    factories.log_in(client, factories.make_user())
    stranger = client.get(f"/teams/{klass.id}", headers=EN)
    assert stranger.status_code == 200 and "小明同学" not in stranger.text
    assert "listed only to the team's own members" in stranger.text
    assert client.get(f"/teams/{klass.id}/invite").status_code == 404


def test_joining_by_link_and_the_refusals(client: FlaskClient, login_as: Any) -> None:
    team = factories.make_team(size_limit=2)
    invite = queries.get_current_invite(team.id)
    assert invite is not None
    token = queries.invite_token(invite)
    login_as("citizen")
    page = client.get(f"/teams/invite/{token}", headers=ZH)
    assert page.status_code == 200 and team.name in page.text
    assert client.post("/teams/join/confirm", data={"token": token}).status_code == 302
    factories.log_in(client, factories.make_user())
    full = client.post("/teams/join/confirm", data={"token": token}, headers=EN)
    assert full.status_code == 409 and "This team is full (2 members)." in full.text
    bad = client.get("/teams/invite/nonsense", headers=ZH)
    assert bad.status_code == 410 and "邀请链接无效" in bad.text
    unknown = client.post("/teams/join", data={"code": "ZZZZ-ZZZZ"}, headers=EN)
    assert unknown.status_code == 422 and "No team has this code" in unknown.text


def test_rotating_invalidates_the_old_link(client: FlaskClient, login_as: Any) -> None:
    captain = login_as("citizen")
    team = factories.make_team(captain)
    old = queries.invite_token(queries.get_current_invite(team.id))  # type: ignore[arg-type]
    assert client.post(f"/teams/{team.id}/invite/rotate").status_code == 302
    factories.log_in(client, factories.make_user())
    page = client.get(f"/teams/invite/{old}", headers=EN)
    assert page.status_code == 410 and "replaced by a newer one" in page.text


def test_the_captains_tools_confirm_first(client: FlaskClient, login_as: Any) -> None:
    captain = login_as("citizen")
    team = factories.make_team(captain)
    member = factories.join(team, factories.make_user(display_name="小红"))
    remove = f"/teams/{team.id}/members/{member.id}/remove"
    page = client.get(remove, headers=ZH)
    assert page.status_code == 200 and "小红" in page.text
    assert queries.get_open_membership(team.id, member.id) is not None
    assert client.post(remove).status_code == 302
    assert queries.get_open_membership(team.id, member.id) is None
    other = factories.join(team)
    assert client.post(f"/teams/{team.id}/members/{other.id}/captain").status_code == 302
    assert factories.session().get(Team, team.id).captain_id == other.id  # type: ignore[union-attr]
    assert client.get(f"/teams/{team.id}/members/{captain.id}/remove").status_code == 404
    leave = client.get(f"/teams/{team.id}/leave", headers=ZH)
    assert leave.status_code == 200 and not english_sentences(leave.text)
    assert client.post(f"/teams/{team.id}/leave").status_code == 302
    rows = (
        factories.session()
        .scalars(select(TeamMembership).where(TeamMembership.team_id == team.id))
        .all()
    )
    assert len(rows) == 3  # nothing deleted: the first captain, the removed, the new captain
    assert {r.left_reason for r in rows} == {"removed", "left", None}


def test_every_team_form_needs_the_csrf_token(
    client: FlaskClient, login_as: Any, csrf_on: None
) -> None:
    captain = login_as("citizen")
    team = factories.make_team(captain)
    member = factories.join(team)
    code = queries.get_current_invite(team.id).code  # type: ignore[union-attr]
    for path, data in [
        ("/teams/new", {"name": "队", "kind": "volunteer", "size_limit": "9"}),
        (f"/teams/{team.id}/invite/rotate", {}),
        ("/teams/join", {"code": code}),
        ("/teams/join/confirm", {"code": code}),
        (f"/teams/{team.id}/members/{member.id}/remove", {}),
        (f"/teams/{team.id}/members/{member.id}/captain", {}),
        (f"/teams/{team.id}/leave", {}),
    ]:
        assert client.post(path, data=data).status_code in (400, 422), path
    assert queries.get_open_membership(team.id, member.id) is not None
    assert factories.session().get(Team, team.id).captain_id == captain.id  # type: ignore[union-attr]


def test_typing_codes_is_rate_limited(
    client: FlaskClient, login_as: Any, rate_limits: None
) -> None:
    login_as("citizen")
    statuses = [
        client.post("/teams/join", data={"code": "ZZZZ-ZZZZ"}).status_code for _ in range(11)
    ]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
