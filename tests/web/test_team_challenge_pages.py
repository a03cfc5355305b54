"""Team PK pages in both languages: a captain challenges a team of the bracket (bad input named,
nothing written), the other captain answers on the challenge page, a league is entered, the
standings partial polls while running and stops once final, and other people see no captain's
tools."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.clock import local_today
from portal.teams.pk import finalisation, rules, services
from portal.teams.pk.models import TeamChallenge
from tests import factories
from tests.web.test_merchant_pages import EN, ZH, english_sentences
from tests.web.test_team_pages import ERRORS

DAY = timedelta(days=1)


def _count() -> int:
    return int(factories.session().scalar(select(func.count()).select_from(TeamChallenge)) or 0)


def _form(rival: str, **changes: str) -> dict[str, str]:
    first = local_today() + DAY
    data = {
        "rival_id": rival,
        "metric": "per_capita",
        "scenario": "",
        "starts_on": first.isoformat(),
        "ends_on": (first + 6 * DAY).isoformat(),
    }
    data.update(changes)
    return data


def test_a_captain_challenges_and_the_other_captain_accepts(
    client: FlaskClient, login_as: Any
) -> None:
    captain = login_as("citizen")
    team, rival = factories.make_team(captain), factories.make_team()
    page = client.get(f"/teams/{team.id}", headers=ZH)
    assert "发起组队PK" in page.text and not english_sentences(page.text)
    form = client.get(f"/teams/{team.id}/challenge", headers=ZH)
    assert form.status_code == 200 and rival.name in form.text
    assert not english_sentences(form.text)
    assert "Challenge another team" in client.get(f"/teams/{team.id}/challenge", headers=EN).text
    sent = client.post(f"/teams/{team.id}/challenge", data=_form(str(rival.id)), headers=ZH)
    assert sent.status_code == 302
    challenge = factories.session().scalars(select(TeamChallenge)).one()
    shown = client.get(sent.headers["Location"], headers=ZH)
    assert "等待回应" in shown.text and "接受挑战" not in shown.text
    assert not english_sentences(shown.text)
    other = factories.session().get(factories.User, rival.captain_id)
    factories.log_in(client, other)
    answer = client.get(f"/teams/challenges/{challenge.id}", headers=EN)
    assert "Accept the challenge" in answer.text
    client.post(f"/teams/challenges/{challenge.id}/answer", data={"answer": "accept"}, headers=ZH)
    assert challenge.status == rules.SCHEDULED
    page = client.get(f"/teams/challenges/{challenge.id}", headers=ZH)
    assert "尚未开始" in page.text and "hx-trigger" not in page.text  # nothing moves yet


@pytest.mark.parametrize(
    ("changes", "zh", "en"),
    [
        ({"starts_on": ""}, "第一天", "first day"),
        ({"ends_on": "2020-01-01"}, "早于第一天", "comes before the first day"),
        ({"metric": "points"}, "比拼指标", "what the challenge measures"),
        ({"metric": "scenario"}, "低碳行为", "activity whose records count"),
    ],
)
def test_bad_challenges_are_named_in_both_languages_and_write_nothing(
    client: FlaskClient, login_as: Any, changes: dict[str, str], zh: str, en: str
) -> None:
    captain = login_as("citizen")
    team, rival = factories.make_team(captain), factories.make_team()
    for headers, expected in ((ZH, zh), (EN, en)):
        page = client.post(
            f"/teams/{team.id}/challenge", data=_form(str(rival.id), **changes), headers=headers
        )
        assert page.status_code == 422, page.text
        assert expected in " ".join(ERRORS.findall(page.text)), (headers, expected)
    assert _count() == 0


def test_a_league_is_opened_and_entered(client: FlaskClient, login_as: Any) -> None:
    captain = login_as("citizen")
    team = factories.make_team(captain)
    client.post(f"/teams/{team.id}/challenge", data=_form("league"), headers=ZH)
    league = factories.session().scalars(select(TeamChallenge)).one()
    assert league.kind == rules.LEAGUE
    other = factories.make_user()
    second = factories.make_team(other)
    factories.log_in(client, other)
    assert "开赛前可报名" in client.get(f"/teams/{second.id}", headers=ZH).text
    page = client.get(f"/teams/challenges/{league.id}", headers=ZH)
    assert "报名联赛" in page.text and not english_sentences(page.text)
    client.post(f"/teams/challenges/{league.id}/join", data={"team_id": str(second.id)})
    assert len(services.queries.list_entries(league.id)) == 2


def test_the_standings_poll_while_running_and_stop_once_final(
    client: FlaskClient, login_as: Any
) -> None:
    login_as("citizen")
    host, rival = factories.make_team(), factories.make_team()
    challenge = factories.shift(factories.make_duel(host, rival), 2 * DAY)
    url = f"/teams/challenges/{challenge.id}/standings"
    live = client.get(url, headers={**ZH, "HX-Request": "true"})
    assert 'hx-trigger="every 30s"' in live.text and "实时" in live.text
    assert "<html" not in live.text  # the partial alone
    factories.shift(challenge, 10 * DAY)
    finalisation.finalise_due()
    final = client.get(url, headers={**EN, "HX-Request": "true"})
    assert "hx-trigger" not in final.text and "Final standings" in final.text
    page = client.get(f"/teams/challenges/{challenge.id}", headers=ZH)
    assert "最终排名" in page.text and not english_sentences(page.text)
    winner = factories.session().get(factories.User, rival.captain_id)
    factories.log_in(client, winner)  # a tie on zero: nobody won, no certificate to show
    assert "查看你的证书" not in client.get(f"/teams/challenges/{challenge.id}", headers=ZH).text


def test_a_winner_finds_their_certificate_on_the_final_page(
    client: FlaskClient, login_as: Any
) -> None:
    captain = login_as("citizen")
    host, rival = factories.make_team(captain), factories.make_team()
    challenge = factories.shift(factories.make_duel(host, rival), 10 * DAY)
    reduction = factories.add_reduction(captain, 500)
    reduction.occurred_at = challenge.ends_at - DAY
    reduction.created_at = challenge.ends_at
    finalisation.finalise_due()
    page = client.get(f"/teams/challenges/{challenge.id}", headers=ZH)
    assert "查看你的证书" in page.text and "/verify/" in page.text
    assert not english_sentences(page.text)
    certificates = client.get("/me/certificates", headers=ZH)
    assert certificates.status_code == 200 and "组队PK冠军" in certificates.text


def test_an_unknown_challenge_is_not_found_and_others_have_no_tools(
    client: FlaskClient, login_as: Any
) -> None:
    login_as("citizen")
    team = factories.make_team()
    assert client.get("/teams/challenges/999999").status_code == 404
    assert client.get(f"/teams/{team.id}/challenge").status_code == 404
    challenge = factories.make_duel(team, factories.make_team(), accept=False)
    page = client.get(f"/teams/challenges/{challenge.id}", headers=ZH)
    assert "接受挑战" not in page.text
    client.post(f"/teams/challenges/{challenge.id}/answer", data={"answer": "accept"})
    assert challenge.status == rules.PROPOSED
