"""The administration pages in words in both languages (audit actions, subjects and details; job
details), the scheduler's stale-heartbeat warning, staff landing pages after login and the
phone layout of the admin tables."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.clock import utcnow
from portal.scheduler.models import JobRun
from portal.scheduler.runs import finish_run, run_job, start_run
from tests import factories

EN = {"Accept-Language": "en"}


def test_audit_log_reads_in_words_with_the_codes_beside_them(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    admin = login_as("admin", display_name="管理员甲")
    citizen = factories.make_user(display_name="市民乙")
    record_audit("auth.login", actor_id=citizen.id, subject_type="user", subject_id=citizen.id)
    record_audit(
        "record.rejected",
        actor_id=admin.id,
        subject_type="behavior_record",
        subject_id=7,
        details={"reason": "太快", "flags": ["duplicate_evidence"]},
    )
    zh = client.get("/admin/audit").text
    assert "登录成功" in zh and "auth.login" in zh  # the words, and the code to search by
    assert "账户 市民乙" in zh and "user #" in zh
    assert "同一照片此前已被使用过。" in zh and "['duplicate_evidence']" not in zh
    assert "驳回记录" in zh and "理由" in zh
    en = client.get("/admin/audit", headers=EN).text
    assert "Logged in" in en and "Account 市民乙" in en and "The same photo was used before." in en
    assert re.search(r'class="table cards', en)
    assert re.search(r'<td class="card-key" data-label="Action">', en)


def test_jobs_store_counts_and_the_page_says_them_in_words(
    client: FlaskClient, db: Any, login_as: Any, methodologies: Any
) -> None:
    login_as("admin")
    run = run_job(client.application, "quantify")
    details = json.loads(run.detail)
    assert details["quantified"] == 0 and details["batches"] == 0
    old = finish_run(start_run("heartbeat"), "ok", "alive on old-host pid 12")  # a row from before
    en = client.get("/admin/jobs", headers=EN).text
    assert "0 records quantified" in en and "0 rejected" in en and '"quantified"' not in en
    assert "alive on old-host pid 12" in en
    zh = client.get("/admin/jobs").text
    assert "量化0条记录" in zh and "quantified" not in zh.split("<main", 1)[1].split("</main>")[0]
    assert old.detail == "alive on old-host pid 12"


def test_a_heartbeat_is_recorded_in_words(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as("admin")
    run = run_job(client.application, "heartbeat")
    assert set(json.loads(run.detail)) == {"host", "pid"}
    assert "Alive on" in client.get("/admin/jobs", headers=EN).text
    assert "运行于" in client.get("/admin/jobs").text


@pytest.mark.parametrize(
    ("minutes_ago", "warns"), [(None, True), (1, False), (4, False), (6, True), (60, True)]
)
def test_the_dashboard_warns_when_the_scheduler_has_not_beaten(
    client: FlaskClient, db: Any, login_as: Any, minutes_ago: int | None, warns: bool
) -> None:
    login_as("admin")
    if minutes_ago is not None:
        finish_run(start_run("heartbeat"), "ok", "{}")
        run = db.session.scalar(select(JobRun).where(JobRun.job_name == "heartbeat"))
        run.finished_at = utcnow() - timedelta(minutes=minutes_ago)
        db.session.flush()
    page = client.get("/admin/", headers=EN).text
    assert ("The scheduler has not" in page or "No scheduler heartbeat" in page) is warns
    if warns:
        assert 'class="flash flash-warning' in page


def test_the_stale_threshold_comes_from_the_config(
    client: FlaskClient, db: Any, login_as: Any
) -> None:
    login_as("admin")
    finish_run(start_run("heartbeat"), "ok", "{}")
    run = db.session.scalar(select(JobRun).where(JobRun.job_name == "heartbeat"))
    run.finished_at = utcnow() - timedelta(minutes=3)
    db.session.flush()
    app = client.application
    assert app.config["SCHEDULER_STALE_MINUTES"] == 5
    app.config["SCHEDULER_STALE_MINUTES"] = 2
    try:
        zh = client.get("/admin/").text
    finally:
        app.config["SCHEDULER_STALE_MINUTES"] = 5
    assert "调度器已有3分钟没有心跳" in zh


@pytest.mark.parametrize(
    ("role", "landing"),
    [("official", "/official/reviews"), ("admin", "/admin/"), ("citizen", "/me/")],
)
def test_staff_land_on_their_work_after_login(
    client: FlaskClient, db: Any, role: str, landing: str
) -> None:
    user = factories.make_user_with_role(factories.Role(role), phone="13812345678")
    assert user.phone
    response = client.post(
        "/auth/login", data={"login": "13812345678", "password": factories.PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == landing


def test_a_safe_next_wins_over_the_landing_page(client: FlaskClient, db: Any) -> None:
    factories.make_user_with_role(factories.Role.ADMIN, phone="13812345679")
    data = {"login": "13812345679", "password": factories.PASSWORD}
    to_jobs = client.post("/auth/login?next=/admin/jobs", data=data)
    assert to_jobs.headers["Location"] == "/admin/jobs"
    client.post("/auth/logout")
    away = client.post("/auth/login?next=//evil.example/x", data=data)
    assert away.headers["Location"] == "/admin/"
    assert client.get("/auth/login").headers["Location"] == "/admin/"  # already logged in


def test_the_admin_tab_bar_wraps_on_a_phone(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as("admin")
    page = client.get("/admin/jobs", headers=EN).text
    assert 'class="subnav subnav-wrap"' in page
    response = client.get("/static/css/app.css")
    css = response.text
    response.close()
    assert re.search(r"\.subnav-wrap\s*\{[^}]*flex-wrap:\s*wrap", css)


def test_the_ledger_jobs_are_said_in_words(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as("admin")
    assert json.loads(run_job(client.application, "seal").detail) == {"sealed": 0}
    checkpoint = json.loads(run_job(client.application, "ledger_checkpoint").detail)
    assert checkpoint == {"checkpoint_seq": 0, "verified": 0}
    en = client.get("/admin/jobs", headers=EN).text
    assert "0 ledger transactions sealed" in en and "Daily at 03:30" in en
    assert "Checkpoint at transaction 0; 0 transactions verified" in en
    expired = json.loads(run_job(client.application, "points_expiry").detail)
    assert expired == {"expired_points": 0, "notified": 0}
    assert "0 points expired; 0 citizens told of points expiring soon" in (
        client.get("/admin/jobs", headers=EN).text
    )
    zh = client.get("/admin/jobs").text
    assert "已过期 0 积分" in zh
    assert "已封存 0 笔账本交易" in zh and "每天 03:30" in zh and "检查点位于第 0 笔交易" in zh
