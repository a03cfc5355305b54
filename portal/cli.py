"""``flask`` commands: scheduler, jobs, demo data and account bootstrap (DESIGN.md §10)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal import jobs as job_table
from portal.errors import DomainError

scheduler_cli = AppGroup("scheduler", help="The background job scheduler.")
jobs_cli = AppGroup("jobs", help="Run or list background jobs.")
accounts_cli = AppGroup("accounts", help="Account administration.")


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run every scheduled job in this process; waits while another copy holds the leader lock."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lock = job_table.LeaderLock(app)

    def waiting() -> None:
        click.echo("Another scheduler holds the leader lock; waiting to take over…")

    with lock.hold(on_wait=waiting):
        scheduler = job_table.build_scheduler(app)
        names = ", ".join(job_table.JOBS)
        click.echo(f"Scheduler is the leader (Asia/Shanghai); jobs: {names}. Ctrl-C to stop.")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            click.echo("Scheduler stopped.")


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run the job NAME once, now."""
    if name not in job_table.JOBS:
        raise click.BadParameter(f"unknown job {name!r}; known: {', '.join(job_table.JOBS)}")
    run = job_table.run_job(name)
    click.echo(f"{name}: {run.status} — {run.detail}")


@jobs_cli.command("list")
def jobs_list() -> None:
    """List the jobs with their schedules."""
    for job in job_table.JOBS.values():
        click.echo(f"{job.name:20} {job.trigger} {job.trigger_args}  {job.description}")


@accounts_cli.command("make-admin")
@click.argument("login")
def make_admin(login: str) -> None:
    """Make the account with LOGIN (mobile number or email) a platform administrator."""
    from portal.accounts.services import bootstrap_admin

    try:
        user = bootstrap_admin(login)
    except DomainError as error:
        click.echo(str(error.message), err=True)
        sys.exit(1)
    click.echo(f"{user.display_name} is now an administrator.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo data (idempotent) and print the demo logins."""
    from portal.demo import DEMO_PASSWORD, seed_demo

    logins, quantified = seed_demo(
        points_per_kg=int(current_app.config["POINTS_PER_KG"]),
        upload_dir=Path(current_app.instance_path) / "uploads",
    )
    click.echo(f"Demo records: {quantified}")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for demo in logins:
        click.echo(f"  {demo.audience:20} {demo.login}")


def init_app(app: Flask) -> None:
    from portal.activities.cli import partner_cli
    from portal.ledger.cli import ledger_cli

    commands = (scheduler_cli, jobs_cli, accounts_cli, ledger_cli, partner_cli, seed_demo_command)
    for command in commands:
        app.cli.add_command(command)
