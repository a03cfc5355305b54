from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import Organisation, User
from portal.scheduler.leader import LeaderLock
from portal.scheduler.models import JobRun
from portal.scheduler.process import build_scheduler
from portal.scheduler.registry import Job, JobContext
from portal.scheduler.runs import last_runs, run_job
from portal.scheduler.table import build_job_table, get_job_table


def test_heartbeat_run_is_recorded(app: Flask, db: Any) -> None:
    run = run_job(app, "heartbeat")
    assert run.status == "ok" and run.finished_at is not None
    assert run.details is not None and set(run.details) == {"host", "pid"}
    assert last_runs()["heartbeat"].id == run.id


def test_failing_job_is_recorded_as_an_error(app: Flask, db: Any, monkeypatch: Any) -> None:
    def broken(context: JobContext) -> str:
        raise ValueError("no data")

    monkeypatch.setitem(
        get_job_table(app), "broken", Job("broken", broken, "test", "interval", {"minutes": 5})
    )
    with pytest.raises(ValueError):
        run_job(app, "broken")
    run = db.session.scalar(select(JobRun).where(JobRun.job_name == "broken"))
    assert run.status == "error" and "no data" in run.detail


def test_scheduler_settings(app: Flask) -> None:
    scheduler = build_scheduler(app)
    job = scheduler.get_job("heartbeat")
    assert str(scheduler.timezone) == "Asia/Shanghai"
    assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 900


def test_only_one_leader_at_a_time(app: Flask) -> None:
    first, second = LeaderLock(app), LeaderLock(app)
    assert first.try_acquire()
    try:
        assert not second.try_acquire()
    finally:
        first.release()
    assert second.try_acquire()
    second.release()


def test_register_job_extends_the_table(app: Flask) -> None:
    table = build_job_table()
    assert list(table) == list(get_job_table(app))  # what every app gets, in that order
    table.register(Job("nightly", lambda context: "done", "test", "cron", {"hour": 3}))
    assert set(table) == {
        "heartbeat",
        "quantify",
        "seal",
        "ledger_checkpoint",
        "points_expiry",
        "certificates_milestones",
        "voucher_expiry",
        "team_challenges",
        "campaign_bonuses",
        "badges",
        "leaderboards",
        "monthly_reports",
        "registry-cases-overdue",
        "order_expiry",
        "registry-pool",
        "nightly",
    }
    with pytest.raises(ValueError, match="already registered"):
        table.register(Job("nightly", lambda context: "again", "test", "cron", {"hour": 4}))


def test_cli_jobs_run_and_unknown_job(app: Flask, db: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "heartbeat"])
    assert result.exit_code == 0 and "heartbeat: ok" in result.output
    unknown = runner.invoke(args=["jobs", "run", "nope"])
    assert unknown.exit_code != 0 and "unknown job" in unknown.output
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()] == [
        "heartbeat",
        "quantify",
        "seal",
        "ledger_checkpoint",
        "points_expiry",
        "certificates_milestones",
        "voucher_expiry",
        "team_challenges",
        "campaign_bonuses",
        "badges",
        "leaderboards",
        "monthly_reports",
        "registry-cases-overdue",
        "registry-pool",
        "order_expiry",
    ]


def test_seed_demo_is_idempotent(app: Flask, db: Any) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Organisation.id))),
    )
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    # Twelve demo logins, ten demo citizens, two under 14, the second demo merchant's staff and
    # 130 hitch-riders; seven demo organisations, five partner ones and the second demo
    # merchant.
    assert counts == (155, 13)
    assert (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Organisation.id))),
    ) == counts
    for login in ("13900000001", "official@demo.tanhui-jilin.cn", "admin@demo.tanhui-jilin.cn"):
        assert login in first.output
