"""``flask scheduler run`` and ``flask jobs …``. Registered on the app by portal/cli.py."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.scheduler.leader import LeaderLock
from portal.scheduler.process import build_scheduler
from portal.scheduler.runs import run_job
from portal.scheduler.table import get_job_table

scheduler_cli = AppGroup("scheduler", help="The background job scheduler.")
jobs_cli = AppGroup("jobs", help="Run or list background jobs.")


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run every scheduled job in this process; waits while another copy holds the leader lock."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lock = LeaderLock(app)

    def waiting() -> None:
        click.echo("Another scheduler holds the leader lock; waiting to take over…")

    with lock.hold(on_wait=waiting):
        scheduler = build_scheduler(app)
        names = ", ".join(get_job_table(app))
        click.echo(f"Scheduler is the leader (Asia/Shanghai); jobs: {names}. Ctrl-C to stop.")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            click.echo("Scheduler stopped.")


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run the job NAME once, now."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    table = get_job_table(app)
    if name not in table:
        raise click.BadParameter(f"unknown job {name!r}; known: {', '.join(table)}")
    run = run_job(app, name)
    said = " ".join(f"{key}={value}" for key, value in (run.details or {}).items())
    click.echo(f"{name}: {run.status} — {said or run.detail}")


@jobs_cli.command("list")
def jobs_list() -> None:
    """List the jobs with their schedules."""
    for job in get_job_table().values():
        click.echo(f"{job.name:20} {job.trigger} {job.trigger_args}  {job.description}")
