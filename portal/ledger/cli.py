"""``flask ledger …`` commands. Register ``ledger_cli`` on the app (portal/cli.py)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.ledger.verification import VerifyReport

ledger_cli = AppGroup("ledger", help="The points ledger.")


@ledger_cli.command("verify")
@click.option("--full", is_flag=True, help="Walk the whole chain from the genesis hash.")
def verify_command(full: bool) -> None:
    """Recompute the hash chain and every balance; exit 1 on any mismatch.

    From the latest checkpoint unless --full. Read-only and safe while the site runs; for
    operators and monitoring (cron, CI).
    """
    from portal.ledger.verification import verify

    report = verify(full=full)
    _print_report(report)
    if not report.ok:
        sys.exit(1)


@ledger_cli.command("seal")
def seal_command() -> None:
    """Chain the transactions not sealed yet (the seal job does this every minute)."""
    from portal.ledger.sealing import seal

    click.echo(f"Sealed {seal()} transactions.")


@ledger_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Verify from the latest checkpoint and record a new one at the chain head; exit 1 and
    record nothing if verify finds a problem."""
    from portal.ledger.verification import record_checkpoint

    result = record_checkpoint()
    _print_report(result.report)
    if not result.report.ok:
        sys.exit(1)
    if result.checkpoint_id is None:
        click.echo(f"Nothing sealed since the last checkpoint (seq {result.seq}).")
    else:
        click.echo(f"Checkpoint #{result.checkpoint_id} recorded at seq {result.seq}.")


def _print_report(report: VerifyReport) -> None:
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if report.problems_omitted:
        click.echo(f"… and {report.problems_omitted} more problems", err=True)
    start = f"from seq {report.from_seq}" if report.from_seq else "from the genesis hash"
    checked = (
        f"{report.transactions_checked} sealed transactions checked {start}, "
        f"{report.unsealed_checked} not sealed yet"
    )
    if report.ok:
        click.echo(f"Ledger OK: {checked}.")
        return
    count = len(report.problems) + report.problems_omitted
    click.echo(f"Ledger FAILED: {count} problems; {checked}.", err=True)
