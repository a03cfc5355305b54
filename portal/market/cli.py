"""``flask registry …`` commands. Register ``registry_cli`` on the app (portal/cli.py)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.market.verify import VerifyReport

registry_cli = AppGroup("registry", help="The registry of batches and serial-numbered tonnes.")


@registry_cli.command("verify")
def verify_command() -> None:
    """Check the registry's invariants (DESIGN.md §7); exit 1 naming each row at fault.

    Read-only and safe while the site runs; for operators and monitoring (cron, CI).
    """
    from portal.market.verify import verify

    report = verify()
    _print_report(report)
    if not report.ok:
        sys.exit(1)


def _print_report(report: VerifyReport) -> None:
    for fault in report.faults:
        click.echo(f"FAULT: {fault}", err=True)
    if report.faults_omitted:
        click.echo(f"… and {report.faults_omitted} more faults", err=True)
    counts = report.counts
    states = ", ".join(
        f"{key.removeprefix('tonnes_')} {value}"
        for key, value in sorted(counts.items())
        if key.startswith("tonnes_")
    )
    checked = (
        f"{counts['issued_batches']} issued batches of {counts['batches']}, "
        f"{counts['blocks']} blocks (tonnes: {states or 'none'}), {counts['orders']} orders, "
        f"{counts['retirements']} retirements, {counts['contributions']} contributions"
    )
    if report.ok:
        click.echo(f"Registry OK: {checked}.")
        return
    count = len(report.faults) + report.faults_omitted
    click.echo(f"Registry FAILED: {count} faults; {checked}.", err=True)
