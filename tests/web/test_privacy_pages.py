"""My data (/me/privacy): the JSON download (headers, content, integers, audited, no query per
row) and the account deletion's confirmation page, in both languages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from portal.accounts.models import AuditEvent, User
from portal.activities.models import Channel
from portal.extensions import db as extension_db
from portal.gamification.quizbank import get_quiz, sample_answers
from portal.gamification.services import start_quiz, submit_quiz
from tests import factories
from tests.factories.accounts import PASSWORD
from tests.web.test_methodology_words import EN

CYCLING = "JLCH-TR-003"
DAY = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ZH = {"Accept-Language": "zh-CN"}


def _records(user: User, methodologies: Any, count: int) -> None:
    for n in range(count):
        factories.make_record(
            user,
            methodologies[CYCLING],
            DAY + timedelta(hours=n),
            4000,
            channel=Channel.SELF_REPORT,
        )


def _download(client: FlaskClient) -> Any:
    return client.post("/me/privacy/export")


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = extension_db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_privacy_page_in_both_languages(client: FlaskClient, login_as: Any) -> None:
    login_as("citizen")
    zh = client.get("/me/privacy", headers=ZH).text
    assert "我的数据" in zh and "下载我的数据" in zh and "注销账户" in zh
    en = client.get("/me/privacy", headers=EN).text
    assert "Download my data" in en and "Delete my account" in en
    assert 'href="/me/privacy"' in client.get("/me/", headers=EN).text  # in the nav


def test_the_download_holds_everything_and_is_audited(
    client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    user = login_as("citizen", phone="13900003333", display_name="绿色出行者")
    _records(user, methodologies, 2)
    factories.give_points(user.id, 250)
    factories.make_certificate(user)
    start_quiz(user.id, "climate_basics")
    quiz = get_quiz("climate_basics")
    assert quiz is not None
    submit_quiz(user.id, "climate_basics", sample_answers(quiz, 5))
    response = _download(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="tanhui-jilin-my-data-\d{4}-\d\d-\d\d\.json"', disposition
    )
    body = response.data.decode("utf-8")
    assert "绿色出行者" in body  # not \u escapes
    data = json.loads(body)
    assert data["schema"].startswith("tanhui-jilin/my-data/")
    assert data["generated_at"].endswith("+00:00")
    assert data["profile"]["phone"] == "13900003333"
    assert data["consents"]["privacy_notice"]["version"] == user.privacy_notice_version
    assert data["points"]["balance"] == 250
    assert [r["methodology_code"] for r in data["records"]] == [CYCLING, CYCLING]
    assert data["records"][0]["quantity_milli"] == 4000
    assert data["records"][0]["occurred_at"] == "2026-11-20T02:00:00+00:00"
    assert [e["points"] for e in data["ledger_entries"]] == [250]
    assert data["certificates"][0]["kind"] == "donation"
    assert [(b["badge_key"], b["tier"]) for b in data["badges"]] == [("scholar", "bronze")]
    attempt = data["quiz_attempts"][0]
    assert attempt["quiz_key"] == "climate_basics" and attempt["correct"] == 5
    assert attempt["answers"] == sample_answers(quiz, 5)
    for section in (
        "reductions",
        "vouchers",
        "donations",
        "notifications",
        "partner_links",
        "memberships",
        "volunteer_checkins",
        "personal_data_reads",
        "audit_events",
    ):
        assert isinstance(data[section], list), section
    actions = [e["action"] for e in data["audit_events"]]
    assert "privacy.export" in actions and "certificate.issue" not in actions
    exported = extension_db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "privacy.export")
    ).all()
    assert [e.actor_id for e in exported] == [user.id]


def test_the_download_does_not_query_per_record(
    app: Flask, client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    user = login_as("citizen")
    _records(user, methodologies, 2)
    with counted_queries(app) as few:
        _download(client)
    _records(user, methodologies, 40)
    with counted_queries(app) as many:
        data = json.loads(_download(client).data)
    assert len(data["records"]) == 42
    assert len(many) == len(few)


def test_the_confirmation_page_says_what_happens(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    factories.give_points(user.id, 1234)
    en = client.get("/me/privacy/delete", headers=EN).text
    assert "1,234 points is forfeited" in en and "cannot be undone" in en
    zh = client.get("/me/privacy/delete", headers=ZH).text
    assert "1,234" in zh and "不可撤销" in zh


def test_a_wrong_password_or_no_tick_is_refused(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    wrong = client.post(
        "/me/privacy/delete", data={"password": "nope-nope-1", "understood": "y"}, headers=EN
    )
    assert wrong.status_code == 422 and "The password is wrong." in wrong.text
    unticked = client.post("/me/privacy/delete", data={"password": PASSWORD}, headers=ZH)
    assert unticked.status_code == 422 and "请勾选" in unticked.text
    extension_db.session.refresh(user)
    assert user.deleted_at is None


def test_deleting_logs_out_with_a_goodbye(client: FlaskClient, login_as: Any) -> None:
    user = login_as("citizen")
    done = client.post(
        "/me/privacy/delete",
        data={"password": PASSWORD, "understood": "y"},
        headers=ZH,
        follow_redirects=True,
    )
    assert done.status_code == 200 and "您的账户已注销" in done.text
    assert client.get("/me/").status_code in (302, 401)
    extension_db.session.refresh(user)
    assert user.deleted_at is not None
