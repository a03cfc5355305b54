"""A team's result in a finished challenge: its members (and captain) get a team-result
certificate and may share the result on a public page with Open Graph tags and a poster, in
Chinese and English — team names, the place, score and dates and the sharer's alias only; a
child, a stranger and an unfinished challenge cannot share; withdrawn and unknown codes 404."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from portal.clock import local_today
from portal.sharing.queries import list_live_shares
from portal.teams.models import Team
from portal.teams.pk import finalisation
from portal.teams.pk.models import TeamChallenge
from tests import factories
from tests.web.test_merchant_pages import EN, ZH, english_sentences
from tests.web.test_zh_punctuation_pages import visible_text

DAY = timedelta(days=1)


def _og(page: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="og:([a-z:_]+)" content="([^"]*)"', page))


def _finished(captain: Any, *, final: bool = True) -> tuple[Team, Team, TeamChallenge, Any]:
    """A duel of the captain's team (second, 100 g per member) against a rival (first)."""
    host = factories.make_team(captain, name="三年二班")
    rival = factories.make_team(name="三年五班")
    member = factories.join(rival, factories.make_user(display_name="对手队员"))
    challenge = factories.shift(factories.make_duel(host, rival), 10 * DAY if final else 2 * DAY)
    for user, grams in ((captain, 100), (member, 900)):
        reduction = factories.add_reduction(user, grams)
        reduction.occurred_at = challenge.starts_at + DAY
        reduction.created_at = challenge.starts_at + DAY
    if final:
        finalisation.finalise_due()
    return host, rival, challenge, member


def _share(client: FlaskClient, captain: Any, challenge: TeamChallenge) -> str:
    response = client.post(f"/me/challenges/{challenge.id}/share")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/teams/challenges/{challenge.id}#share-result")
    return next(iter(list_live_shares(captain.id).values()))


def test_a_member_shares_the_result_and_the_page_shows_teams_and_alias_only(
    client: FlaskClient, login_as: Any
) -> None:
    captain = login_as("citizen", display_name="绿色骑手", email="rider@example.cn")
    _host, _rival, challenge, member = _finished(captain)
    page = client.get(f"/teams/challenges/{challenge.id}", headers=ZH).text
    assert "分享队伍成绩" in page and f'action="/me/challenges/{challenge.id}/share"' in page
    assert "查看你的证书" in page and not english_sentences(page)  # the team-result certificate
    code = _share(client, captain, challenge)
    assert f"/s/{code}" in client.get(f"/teams/challenges/{challenge.id}", headers=ZH).text
    assert _share(client, captain, challenge) == code  # sharing twice gives one link
    public = client.application.test_client().get(f"/s/{code}", headers=ZH)
    assert public.status_code == 200
    text = visible_text(public.text)
    assert "队伍成绩" in text and "“三年二班”获得第2名" in text and "绿色骑手" in text
    assert "三年五班" in text and "共2队" in text and "100 克" in text
    assert "对手队员" not in public.text and member.phone not in public.text
    assert captain.phone not in public.text and "rider@example.cn" not in public.text
    og = _og(public.text)
    assert og["title"].startswith("“三年二班”获得第2名") and "绿色骑手" in og["description"]
    assert og["image"].endswith(f"/s/{code}/poster-zh.png") and og["url"].endswith(f"/s/{code}")


def test_the_result_page_reads_in_english(client: FlaskClient, login_as: Any) -> None:
    captain = login_as("citizen", display_name="Green rider")
    _finished(captain)
    challenge_id = factories.session().query(TeamChallenge.id).scalar()
    client.post(f"/me/challenges/{challenge_id}/share")
    code = next(iter(list_live_shares(captain.id).values()))
    page = client.application.test_client().get(f"/s/{code}", headers=EN).text
    text = visible_text(page[page.index("<main") :])
    assert "Team result" in text and "“三年二班” placed 2nd" in text and "2nd of 2 teams" in text
    assert "Opponent" in text and "三年五班" in text and "Grams reduced per member" in text
    assert not re.search(
        r"[\u4e00-\u9fff]", text.replace("中文", "").replace("三年二班", "").replace("三年五班", "")
    )
    assert _og(page)["image"].endswith("/poster-en.png")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_result_poster_is_a_png(client: FlaskClient, login_as: Any, lang: str) -> None:
    captain = login_as("citizen")
    _host, _rival, challenge, _member = _finished(captain)
    code = _share(client, captain, challenge)
    response = client.application.test_client().get(f"/s/{code}/poster-{lang}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "PNG" and image.size == (1080, 1440)


def test_a_child_a_stranger_and_an_unfinished_challenge_cannot_share(
    client: FlaskClient, login_as: Any
) -> None:
    child = login_as("citizen", birth_year=local_today().year - 11)
    _host, _rival, challenge, _member = _finished(child)
    page = client.get(f"/teams/challenges/{challenge.id}", headers=ZH).text
    assert "分享队伍成绩" not in page
    client.post(f"/me/challenges/{challenge.id}/share")
    assert list_live_shares(child.id) == {}
    stranger = login_as("citizen")
    refused = client.post(f"/me/challenges/{challenge.id}/share", headers=ZH, follow_redirects=True)
    assert "你的队伍在这场比赛中没有最终成绩" in refused.text
    assert list_live_shares(stranger.id) == {}
    captain = login_as("citizen")
    _h, _r, running, _m = _finished(captain, final=False)
    client.post(f"/me/challenges/{running.id}/share")
    assert list_live_shares(captain.id) == {}


def test_withdrawn_and_unknown_result_codes_are_404(client: FlaskClient, login_as: Any) -> None:
    captain = login_as("citizen")
    _host, _rival, challenge, _member = _finished(captain)
    code = _share(client, captain, challenge)
    withdrawn = client.post(f"/me/shares/{code}/withdraw")
    assert withdrawn.headers["Location"].endswith(f"/teams/challenges/{challenge.id}#share-result")
    anonymous = client.application.test_client()
    for path in (f"/s/{code}", f"/s/{code}/poster-zh.png", "/s/" + "A" * 22, "/s/nope"):
        assert anonymous.get(path).status_code == 404
