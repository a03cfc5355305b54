"""Public share pages and posters: nothing until the holder presses "Share", then a page with
the alias only and Open Graph tags, in Chinese and English, and a PNG poster; withdrawn or
forged codes are 404; only the holder shares, with a CSRF token."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

from portal.clock import local_today
from portal.sharing.queries import list_live_shares
from tests import factories
from tests.web.test_zh_punctuation_pages import visible_text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _share(client: FlaskClient, citizen: Any) -> str:
    response = client.post("/me/badges/first_record/share", headers=ZH)
    assert response.status_code == 302
    return next(iter(list_live_shares(citizen.id).values()))


def _og(page: str) -> dict[str, str]:
    return dict(re.findall(r'<meta property="og:([a-z:_]+)" content="([^"]*)"', page))


def test_the_wall_offers_share_then_the_public_page_and_stop(
    client: FlaskClient, login_as: Any
) -> None:
    citizen = login_as("citizen")
    factories.make_award(citizen)
    wall = client.get("/me/badges", headers=ZH).text
    assert 'action="/me/badges/first_record/share"' in wall and "/s/" not in wall
    code = _share(client, citizen)
    wall = client.get("/me/badges", headers=ZH).text
    assert f"/s/{code}" in wall and f'action="/me/shares/{code}/withdraw"' in wall
    assert "停止分享" in wall


def test_a_child_is_offered_no_share_button_and_cannot_share(
    client: FlaskClient, login_as: Any
) -> None:
    child = login_as("citizen", birth_year=local_today().year - 11)
    factories.make_award(child)
    wall = client.get("/me/badges", headers=ZH).text
    assert "/share" not in wall and "低碳起步" in wall
    refused = client.post("/me/badges/first_record/share", headers=ZH, follow_redirects=True)
    assert refused.status_code in (200, 403) and list_live_shares(child.id) == {}


def test_the_share_page_in_chinese_shows_the_alias_only(client: FlaskClient, login_as: Any) -> None:
    citizen = login_as("citizen", display_name="绿色骑手", email="rider@example.cn")
    factories.make_award(citizen, "first_record", "silver")
    code = _share(client, citizen)
    anonymous = client.application.test_client()
    page = anonymous.get(f"/s/{code}", headers=ZH)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "绿色骑手" in text and "低碳起步 · 银级" in text and "荣获勋章" in text
    assert citizen.phone not in page.text and "rider@example.cn" not in page.text
    assert "220100" not in page.text
    og = _og(page.text)
    assert og["title"].startswith("低碳起步 · 银级") and "绿色骑手" in og["description"]
    assert og["image"].endswith(f"/s/{code}/poster-zh.png") and og["image"].startswith("http")
    assert og["url"].endswith(f"/s/{code}")
    assert 'href="/"' in page.text  # the link to the platform


def test_the_share_page_reads_in_english(client: FlaskClient, login_as: Any) -> None:
    citizen = login_as("citizen", display_name="Green rider")
    factories.make_award(citizen, "first_record", "gold")
    code = _share(client, citizen)
    page = client.application.test_client().get(f"/s/{code}", headers=EN).text
    text = visible_text(page[page.index("<main") :])
    assert "Green rider" in text and "Green start · Gold" in text and "Earned on" in text
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("中文", ""))
    assert _og(page)["image"].endswith("/poster-en.png")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_poster_is_a_png_of_the_right_size(
    client: FlaskClient, login_as: Any, lang: str
) -> None:
    citizen = login_as("citizen")
    factories.make_award(citizen)
    code = _share(client, citizen)
    response = client.application.test_client().get(f"/s/{code}/poster-{lang}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "public" in response.headers["Cache-Control"]
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "PNG" and image.size == (1080, 1440)


def test_a_certificate_share_page_links_to_its_verification(
    client: FlaskClient, login_as: Any
) -> None:
    citizen = login_as("citizen", display_name="捐赠者")
    cert = factories.make_certificate(citizen)
    assert 'action="/me/certificates/' in client.get("/me/certificates", headers=ZH).text
    client.post(f"/me/certificates/{cert.code}/share")
    code = list_live_shares(citizen.id)[("certificate", cert.code)]
    page = client.application.test_client().get(f"/s/{code}", headers=ZH).text
    assert "捐赠者" in page and cert.title_zh in page and f"/verify/{cert.code}" in page
    poster = client.get(f"/s/{code}/poster-zh.png")
    assert poster.status_code == 200


def test_withdrawn_forged_and_unknown_codes_are_404(client: FlaskClient, login_as: Any) -> None:
    citizen = login_as("citizen")
    factories.make_award(citizen)
    code = _share(client, citizen)
    assert client.post(f"/me/shares/{code}/withdraw").status_code == 302
    for path in (
        f"/s/{code}",
        f"/s/{code}/poster-zh.png",
        "/s/AAAAAAAAAAAAAAAAAAAAAA",
        "/s/AAAAAAAAAAAAAAAAAAAAAA/poster-en.png",
        "/s/1",
        f"/s/{code}/poster-fr.png",
    ):
        assert client.get(path).status_code == 404, path


def test_a_citizen_cannot_share_or_withdraw_for_someone_else(
    client: FlaskClient, login_as: Any
) -> None:
    holder = factories.make_user()
    factories.make_award(holder)
    cert = factories.make_certificate(holder)
    login_as("citizen")
    client.post("/me/badges/first_record/share", headers=EN)  # they hold none: refused
    client.post(f"/me/certificates/{cert.code}/share", headers=EN)
    assert list_live_shares(holder.id) == {}
    from portal.sharing.services import share_badge

    link = share_badge(actor_id=holder.id, badge_key="first_record")
    response = client.post(f"/me/shares/{link.code}/withdraw", headers=EN, follow_redirects=True)
    assert "No such shared page." in response.text
    assert list_live_shares(holder.id) == {("badge", "first_record:bronze"): link.code}


def test_sharing_needs_a_login(client: FlaskClient, db: Any) -> None:
    response = client.post("/me/badges/first_record/share")
    assert response.status_code in (302, 401, 403)
    assert "/auth/login" in response.headers.get("Location", "/auth/login")


def test_sharing_needs_the_csrf_token(client: FlaskClient, login_as: Any, csrf_on: None) -> None:
    citizen = login_as("citizen")
    factories.make_award(citizen)
    assert client.post("/me/badges/first_record/share").status_code == 400
    assert list_live_shares(citizen.id) == {}


def test_a_server_without_a_cjk_font_answers_503(
    client: FlaskClient, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.blueprints.share import views
    from portal.sharing.poster import FontMissing

    def no_font(content: Any) -> bytes:
        raise FontMissing("install fonts-noto-cjk")

    citizen = login_as("citizen")
    factories.make_award(citizen)
    code = _share(client, citizen)
    monkeypatch.setattr(views, "render_poster", no_font)
    assert client.get(f"/s/{code}/poster-zh.png").status_code == 503
