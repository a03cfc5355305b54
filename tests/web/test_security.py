from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from portal import create_app
from tests import factories


def test_post_without_csrf_token_is_refused(client: FlaskClient, db: Any, csrf_on: None) -> None:
    response = client.post(
        "/auth/login",
        data={"login": "13900000001", "password": "x"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "security token" in response.text


def test_htmx_post_with_csrf_header_is_accepted(
    client: FlaskClient, db: Any, csrf_on: None
) -> None:
    page = client.get("/auth/login")
    token = page.text.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    response = client.post(
        "/language",
        data={"locale": "en", "next": "/"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 302


def test_security_headers_and_strict_csp(client: FlaskClient, db: Any) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "<style" not in response.text and " style=" not in response.text
    assert "<script>" not in response.text  # only external scripts from 'self'
    assert (
        '"allowEval":false' in response.text and '"includeIndicatorStyles":false' in response.text
    )


def test_personal_pages_are_not_cached(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    assert "no-store" in client.get("/me/").headers["Cache-Control"]


def _statements(db: Any, call: Any) -> list[str]:
    """The SQL statements ``call()`` sends."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    bind = db.session.get_bind()  # the test's one connection
    event.listen(bind, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(bind, "before_cursor_execute", record)
    return sent


def test_a_logged_in_clients_healthz_is_private_without_loading_the_user(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    login_as("merchant")
    answers: list[Any] = []
    sent = _statements(db, lambda: answers.append(client.get("/healthz")))
    assert answers[0].status_code == 200
    assert answers[0].headers["Cache-Control"] == "private, no-store"
    assert not [s for s in sent if "FROM users" in s], sent


def test_an_anonymous_healthz_may_be_cached(client: FlaskClient, db: Any) -> None:
    assert "Cache-Control" not in client.get("/healthz").headers


def test_the_logged_in_user_and_their_roles_load_in_one_query(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    login_as("merchant")  # a membership of a merchant organisation
    answers: list[Any] = []
    sent = _statements(db, lambda: answers.append(client.get("/merchant/")))
    assert answers[0].status_code == 200
    user_reads = [s for s in sent if "FROM users" in s]
    assert len(user_reads) == 1 and "memberships" in user_reads[0], sent


def test_expired_session_on_htmx_request_redirects_the_whole_page(
    client: FlaskClient, db: Any
) -> None:
    response = client.get("/admin/users?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=")


@pytest.mark.parametrize(
    ("path", "code", "english", "chinese"),
    [
        ("/no-such-page", 404, "Page not found", "页面不存在"),
        ("/admin/", 403, "You do not have access", "无权"),
    ],
)
def test_error_pages_in_both_languages(
    client: FlaskClient, login_as: Any, path: str, code: int, english: str, chinese: str
) -> None:
    login_as("citizen")
    en = client.get(path, headers={"Accept-Language": "en"})
    zh = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert en.status_code == zh.status_code == code
    assert english in en.text and chinese in zh.text


@pytest.mark.parametrize("number", [str(2**63), "9" * 40])
def test_an_id_past_any_row_is_not_found(client: FlaskClient, login_as: Any, number: str) -> None:
    login_as("official")
    for path in (
        f"/me/reductions/{number}",
        f"/official/reviews/{number}",
        f"/me/evidence/{number}",
    ):
        for language, text in (("en", "Page not found"), ("zh-CN", "页面不存在")):
            response = client.get(path, headers={"Accept-Language": language})
            assert response.status_code == 404 and text in response.text, path
    refused = client.post(f"/official/reviews/{number}", data={"decision": "approve"})
    assert refused.status_code == 404


def test_a_nul_character_in_a_form_or_query_is_refused(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    """PostgreSQL text cannot hold U+0000: it is refused before any view, in both languages."""
    login_as("citizen")
    note = client.post("/me/log/transport/JLCH-TR-003", data={"quantity": "3", "note": "a\x00"})
    assert note.status_code == 400 and "NUL" in note.text
    search = client.get("/me/records?page=2&page=%00", headers={"Accept-Language": "en"})
    assert search.status_code == 400 and "contains a NUL character" in search.text
    assert client.get("/me/records?page=2").status_code == 200


def test_unhandled_error_gives_the_500_page(
    app: Any, client: FlaskClient, db: Any, monkeypatch: Any
) -> None:
    from portal.blueprints.public import views

    def boom() -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(views, "get_headline_counters", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/", headers={"Accept-Language": "en"})
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text and "kaput" not in response.text


def test_healthz_ok(client: FlaskClient, db: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "db": "ok"}


def test_healthz_reports_an_unreachable_database(tmp_path: Any) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json == {"status": "error", "db": "error"}


def test_disabled_account_cannot_log_in(client: FlaskClient, db: Any) -> None:
    user = factories.make_user(is_disabled=True)
    response = client.post(
        "/auth/login", data={"login": user.phone, "password": factories.PASSWORD}
    )
    assert response.status_code == 422
