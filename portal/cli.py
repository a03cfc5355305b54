"""``flask`` commands: demo data and account bootstrap (DESIGN.md §10); each domain's own groups
(scheduler and jobs, ledger, registry, partner) registered beside them."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal.errors import DomainError

accounts_cli = AppGroup("accounts", help="Account administration.")


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
    from portal.certificates.cli import certificates_cli
    from portal.ledger.cli import ledger_cli
    from portal.market.cli import registry_cli
    from portal.scheduler.cli import jobs_cli, scheduler_cli

    commands = (
        scheduler_cli,
        jobs_cli,
        accounts_cli,
        ledger_cli,
        registry_cli,
        partner_cli,
        certificates_cli,
        seed_demo_command,
    )
    for command in commands:
        app.cli.add_command(command)
