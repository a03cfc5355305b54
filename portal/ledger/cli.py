"""``flask ledger …`` commands. Register ``ledger_cli`` on the app (portal/cli.py)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The points ledger.")


@ledger_cli.command("verify")
def verify_command() -> None:
    """Recompute the hash chain and every balance; exit 1 on any mismatch.

    Read-only and safe while the site runs; for operators and monitoring (cron, CI).
    """
    from portal.ledger.queries import verify

    report = verify()
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if report.problems_omitted:
        click.echo(f"… and {report.problems_omitted} more problems", err=True)
    if report.ok:
        click.echo(f"Ledger OK: {report.transactions_checked} transactions checked.")
        return
    count = len(report.problems) + report.problems_omitted
    click.echo(
        f"Ledger FAILED: {count} problems in {report.transactions_checked} transactions.",
        err=True,
    )
    sys.exit(1)
