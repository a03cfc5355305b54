from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.accounts.models import AuditEvent, User
from tests import factories

FORM = {
    "login": "13812345678",
    "password": "Green2026pass",
    "confirm": "Green2026pass",
    "display_name": "林小绿",
    "city_code": "220100",
    "district": "",
    "birth_year": "1990",
    "consent": "y",
}


def users(db: Any) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_sign_up_logs_in_and_shows_the_account(client: FlaskClient, db: Any) -> None:
    response = client.post("/auth/register", data=FORM, headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/")
    page = client.get("/me/", headers={"Accept-Language": "en"})
    assert "林小绿" in page.text and "13812345678" in page.text
    assert users(db) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"login": "1381234567"}, "Enter a mainland mobile number"),
        ({"login": ""}, "This field is required"),
        ({"password": "short1", "confirm": "short1"}, "has only 6 characters; it needs at least 8"),
        ({"password": "onlyletters", "confirm": "onlyletters"}, "has no digit (0–9); add one."),
        ({"city_code": ""}, "Choose the city or prefecture of Jilin you live in."),
        ({"confirm": "Other2026pass"}, "The two passwords differ"),
        ({"display_name": "名" * 41}, "between 1 and 40"),
        ({"city_code": "110000"}, "Not a valid choice"),
        ({"consent": ""}, "You must agree to the privacy notice"),
        ({"district": "区" * 41}, "40"),
    ],
)
def test_bad_sign_up_names_the_problem_and_creates_nothing(
    client: FlaskClient, db: Any, change: dict, message: str
) -> None:
    response = client.post(
        "/auth/register", data={**FORM, **change}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert users(db) == 0


def test_taken_login_is_refused(client: FlaskClient, db: Any) -> None:
    factories.make_user(phone="13812345678")
    response = client.post("/auth/register", data=FORM, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "An account with this login already exists" in response.text
    assert users(db) == 1


def test_bad_sign_up_message_in_chinese(client: FlaskClient, db: Any) -> None:
    response = client.post(
        "/auth/register", data={**FORM, "login": "123"}, headers={"Accept-Language": "zh-CN"}
    )
    assert response.status_code == 422
    assert "手机号" in response.text


def test_html_in_display_name_is_escaped(client: FlaskClient, db: Any) -> None:
    client.post("/auth/register", data={**FORM, "display_name": "<script>alert(1)</script>"})
    page = client.get("/me/")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_login_logout_and_generic_failure(client: FlaskClient, db: Any) -> None:
    user = factories.make_user()
    bad = client.post(
        "/auth/login",
        data={"login": user.phone, "password": "Wrong2026pass"},
        headers={"Accept-Language": "en"},
    )
    unknown = client.post(
        "/auth/login",
        data={"login": "13700000000", "password": "Wrong2026pass"},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == unknown.status_code == 422
    assert (
        "The login or password is wrong." in bad.text
        and "The login or password is wrong." in unknown.text
    )
    ok = client.post("/auth/login", data={"login": user.phone, "password": factories.PASSWORD})
    assert ok.status_code == 302
    assert client.get("/me/").status_code == 200
    client.post("/auth/logout")
    assert client.get("/me/").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["auth.login_failed", "auth.login_failed", "auth.login", "auth.logout"]


def test_login_redirects_only_to_local_next(client: FlaskClient, db: Any) -> None:
    user = factories.make_user()
    data = {"login": user.phone, "password": factories.PASSWORD}
    assert client.post("/auth/login?next=/admin/", data=data).headers["Location"] == "/admin/"
    client.post("/auth/logout")
    evil = client.post("/auth/login?next=//evil.example/x", data=data)
    assert evil.headers["Location"].endswith("/me/")
    # Line breaks would split the Location header; logged in, the login page redirects at once.
    split = client.get("/auth/login?next=/%0d%0aSet-Cookie:x=1")
    assert split.status_code == 302 and split.headers["Location"].endswith("/me/")
    switched = client.post("/language", data={"locale": "en", "next": "/me/\r\nX: 1"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/"


def test_the_audit_keeps_only_a_real_client_address(
    app: Any, client: FlaskClient, db: Any, monkeypatch: Any
) -> None:
    """Behind a trusted proxy (TRUSTED_PROXY_HOPS) the address comes from X-Forwarded-For,
    which a client can fill with any text that the proxy passes on."""
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1))
    user = factories.make_user()
    data = {"login": user.phone, "password": "Wrong2026pass"}
    for forwarded in ("x" * 100, "fe80::1%" + "e" * 60, "2001:db8::7"):
        response = client.post("/auth/login", data=data, headers={"X-Forwarded-For": forwarded})
        assert response.status_code == 422, forwarded
    ips = db.session.scalars(
        select(AuditEvent.ip)
        .where(AuditEvent.action == "auth.login_failed")
        .order_by(AuditEvent.id)
    ).all()
    assert ips == [None, None, "2001:db8::7"]


def test_remember_me_sets_a_cookie(client: FlaskClient, db: Any) -> None:
    user = factories.make_user()
    client.post(
        "/auth/login", data={"login": user.phone, "password": factories.PASSWORD, "remember": "y"}
    )
    assert client.get_cookie("remember_token") is not None


def test_repeated_failed_logins_are_rate_limited(
    client: FlaskClient, db: Any, rate_limits: None
) -> None:
    codes = [
        client.post(
            "/auth/login", data={"login": "13700000000", "password": "Wrong2026pass"}
        ).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [422] * 10
    assert codes[10] == 429
    page = client.post(
        "/auth/login", data={"login": "x", "password": "y"}, headers={"Accept-Language": "en"}
    )
    assert page.status_code == 429 and "Too many attempts" in page.text


def test_password_change_revokes_other_sessions(app: Any, client: FlaskClient, db: Any) -> None:
    user = factories.make_user()
    other_device = app.test_client()
    for c in (client, other_device):
        c.post("/auth/login", data={"login": user.phone, "password": factories.PASSWORD})
    response = client.post(
        "/me/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "Newer2026pass",
            "confirm": "Newer2026pass",
        },
    )
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200
    assert other_device.get("/me/").status_code == 302  # sent back to the login page


def test_password_change_with_wrong_current_password(client: FlaskClient, db: Any) -> None:
    user = factories.make_user()
    factories.log_in(client, user)
    response = client.post(
        "/me/password",
        data={
            "current_password": "Wrong2026x",
            "new_password": "Newer2026pass",
            "confirm": "Newer2026pass",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422 and "The current password is wrong." in response.text
