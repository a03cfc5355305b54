"""The privacy settings and guardian pages (/me/settings/privacy, /me/settings/guardian,
/me/guardian/<token>), the birth year at sign-up, and what the mall and the donate page tell
a minor, in both languages; the forms need their CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import GuardianConsent, User
from portal.accounts.queries import may_spend_points
from portal.clock import local_today
from portal.welfare import services as welfare
from tests import factories
from tests.unit.test_zh_punctuation import latin_punctuation_next_to_chinese
from tests.web.test_auth import FORM
from tests.web.test_merchant_pages import EN, ZH, english_sentences
from tests.web.test_zh_punctuation_pages import visible_text

LINK = re.compile(r'value="(http://[^"]*/me/guardian/([A-Za-z0-9_-]{43}))"')


def test_the_settings_page_saves_alias_and_listing(client: FlaskClient, db: Any) -> None:
    user = factories.make_adult(display_name="旧名")
    factories.log_in(client, user)
    page = client.get("/me/settings/privacy", headers=ZH)
    assert page.status_code == 200 and "公开昵称" in page.text and "匿名用户" in page.text
    assert not english_sentences(page.text)
    assert "Show my alias on public lists" in client.get("/me/settings/privacy", headers=EN).text
    saved = client.post(
        "/me/settings/privacy", data={"alias": "绿色骑手", "is_publicly_listed": "y"}, headers=ZH
    )
    assert saved.status_code == 302
    db.session.refresh(user)
    assert user.display_name == "绿色骑手" and user.is_publicly_listed
    bad = client.post("/me/settings/privacy", data={"alias": ""}, headers=EN)
    assert bad.status_code == 422 and "This field is required." in bad.text


def test_a_minor_sees_no_opt_in_and_is_sent_to_the_guardian_page(
    client: FlaskClient, db: Any
) -> None:
    minor = factories.make_minor()
    factories.log_in(client, minor)
    page = client.get("/me/settings/privacy", headers=ZH).text
    assert "is_publicly_listed" not in page and "未满14周岁" in page
    assert "/me/settings/guardian" in page
    refused = client.post(  # the box is not offered; a forged tick is refused
        "/me/settings/privacy", data={"alias": "小雪", "is_publicly_listed": "y"}, headers=EN
    )
    assert refused.status_code == 422 and "people under 14 are never shown" in refused.text
    db.session.refresh(minor)
    assert not minor.is_publicly_listed and minor.display_name != "小雪"


def test_sign_up_asks_the_year_of_birth_in_both_languages(client: FlaskClient, db: Any) -> None:
    future = str(local_today().year + 1)
    zh = client.post("/auth/register", data={**FORM, "birth_year": future}, headers=ZH)
    assert zh.status_code == 422 and "出生年份不能晚于今年" in zh.text
    en = client.post("/auth/register", data={**FORM, "birth_year": "20x0"}, headers=EN)
    assert en.status_code == 422 and "four digits" in en.text
    missing = client.post("/auth/register", data={**FORM, "birth_year": ""}, headers=EN)
    assert missing.status_code == 422
    assert db.session.scalar(select(User).where(User.phone == FORM["login"])) is None
    child_year = str(local_today().year - 10)
    done = client.post("/auth/register", data={**FORM, "birth_year": child_year}, headers=ZH)
    assert done.status_code == 302
    child = db.session.scalar(select(User).where(User.phone == FORM["login"]))
    assert child.birth_year == int(child_year) and not may_spend_points(child.id)


def test_the_mall_and_the_donate_page_tell_a_minor_why(
    client: FlaskClient, db: Any, tmp_path: Any
) -> None:
    merchant, staff = factories.make_merchant()
    offer = factories.make_published_offer(merchant, staff, tmp_path)
    project = factories.make_project(factories.make_user(is_admin=True))
    minor = factories.make_minor()
    factories.make_earn(minor.id, 2_000, f"test:earn:{minor.id}")
    factories.log_in(client, minor)
    for path in (
        f"/mall/offers/{offer.id}",
        f"/mall/vouchers/redeem/{offer.id}",
        f"/welfare/{project.id}/donate",
    ):
        zh = client.get(path, headers=ZH).text
        assert "须经监护人同意" in zh and "/me/settings/guardian" in zh, path
        assert not english_sentences(zh), path
        assert "a guardian must agree" in client.get(path, headers=EN).text, path
    forced = client.post(
        f"/mall/vouchers/redeem/{offer.id}", data={"request_key": "k" * 32}, headers=EN
    )
    assert "a guardian must agree" in forced.text


def test_invite_consent_and_withdraw_through_the_pages(client: FlaskClient, db: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_user()  # no birth year yet
    factories.log_in(client, minor)
    bad = client.post("/me/settings/guardian/invite", data={"contact": "123"}, headers=ZH)
    assert bad.status_code == 422 and "请输入监护人的中国大陆手机号" in bad.text
    made = client.post("/me/settings/guardian/invite", data={"contact": guardian.phone}, headers=ZH)
    assert made.status_code == 200 and made.headers["Referrer-Policy"] == "no-referrer"
    link = LINK.search(made.text)
    assert link, "the link is shown once"
    assert link[2] not in client.get("/me/settings/guardian").text

    factories.log_in(client, guardian)
    path = f"/me/guardian/{link[2]}"
    confirm = client.get(path, headers=ZH)
    assert confirm.status_code == 200 and minor.display_name in confirm.text
    assert "出生年份" in confirm.text and not english_sentences(confirm.text)
    unticked = client.post(path, data={"birth_year": "1980"}, headers=EN)
    assert unticked.status_code == 422 and "Tick the box" in unticked.text
    agreed = client.post(path, data={"birth_year": "1980", "confirm": "y"}, headers=ZH)
    assert agreed.status_code == 302 and may_spend_points(minor.id)
    used = client.get(path, headers=ZH)
    assert used.status_code == 410 and "已经用过" in used.text

    consent = db.session.scalar(select(GuardianConsent))
    page = client.get("/me/settings/guardian", headers=ZH).text
    assert minor.display_name in page and "撤回同意" in page
    client.post(f"/me/settings/guardian/consents/{consent.id}/withdraw")
    assert not may_spend_points(minor.id)


def test_a_forged_link_is_a_clear_404_in_both_languages(client: FlaskClient, db: Any) -> None:
    factories.log_in(client, factories.make_adult())
    zh = client.get("/me/guardian/" + "A" * 43, headers=ZH)
    assert zh.status_code == 404 and "这个监护人链接无效" in zh.text
    en = client.get("/me/guardian/nonsense", headers=EN)
    assert en.status_code == 404 and "This guardian link is not valid" in en.text


def test_an_anonymous_visitor_of_a_link_logs_in_first(client: FlaskClient, db: Any) -> None:
    invited = factories.invite(factories.make_minor(), factories.make_adult())
    response = client.get(f"/me/guardian/{invited.token}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_forms_need_their_csrf_token(client: FlaskClient, db: Any, csrf_on: None) -> None:
    minor, guardian = factories.make_minor(), factories.make_adult()
    consent = factories.make_consent(minor, guardian)
    factories.log_in(client, minor)
    assert client.post("/me/settings/privacy", data={"alias": "x"}).status_code == 400
    assert client.post("/me/settings/guardian/invite", data={"contact": "x"}).status_code == 400
    factories.log_in(client, guardian)
    withdraw = f"/me/settings/guardian/consents/{consent.id}/withdraw"
    assert client.post(withdraw).status_code == 400
    assert may_spend_points(minor.id)


def test_the_donors_list_names_only_those_who_may_be_listed(client: FlaskClient, db: Any) -> None:
    project = factories.make_project(factories.make_user(is_admin=True))
    minor = factories.make_minor(display_name="小雪同学")
    factories.make_consent(minor, factories.make_adult())
    minor.is_publicly_listed = True  # never honoured under 14
    listed = factories.make_adult(display_name="公开捐赠者", is_publicly_listed=True)
    quiet = factories.make_adult(display_name="低调捐赠者")
    for donor in (minor, listed, quiet):
        factories.give_points(donor.id, 50)
        welfare.donate(
            donor=donor, project_id=project.id, points=10, form_token=factories.form_token()
        )
    zh = client.get(f"/welfare/{project.id}", headers=ZH).text
    assert "公开捐赠者" in zh and zh.count("匿名用户") == 2
    assert "小雪同学" not in zh and "低调捐赠者" not in zh
    assert client.get(f"/welfare/{project.id}", headers=EN).text.count("Anonymous") == 2


def test_the_chinese_pages_use_full_width_punctuation(client: FlaskClient, db: Any) -> None:
    minor, guardian = factories.make_minor(), factories.make_adult()
    token = factories.invite(minor, guardian).token
    for user, paths in (
        (minor, ["/me/settings/privacy", "/me/settings/guardian"]),
        (guardian, ["/me/settings/privacy", f"/me/guardian/{token}", "/me/privacy"]),
    ):
        factories.log_in(client, user)
        for path in paths:
            text = visible_text(client.get(path, headers=ZH).text)
            assert not latin_punctuation_next_to_chinese(text), path
