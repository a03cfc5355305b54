"""``flask partner …`` commands. Register ``partner_cli`` on the app (portal/cli.py)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

partner_cli = AppGroup("partner", help="Partner platforms that submit records through the API.")


@partner_cli.command("create")
@click.argument("name")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    required=True,
    metavar="CODE",
    help="A filed methodology code the partner may submit records for; repeat for several.",
)
@click.option(
    "--organisation-id",
    type=int,
    default=None,
    help="The partner organisation whose staff may see the platform and upload CSV files.",
)
def create_command(name: str, scenarios: tuple[str, ...], organisation_id: int | None) -> None:
    """Register the partner platform NAME and print its id and signing secret (shown once)."""
    from portal.activities.partners.registration import create_partner
    from portal.errors import DomainError

    try:
        partner, secret = create_partner(
            name=name, methodology_codes=scenarios, organisation_id=organisation_id
        )
    except DomainError as error:
        click.echo(str(error.message), err=True)
        sys.exit(1)
    click.echo(f"Partner:        {partner.name}")
    click.echo(f"Partner id:     {partner.public_id}")
    click.echo(f"Signing secret: {secret}")
    click.echo(f"Scenarios:      {', '.join(partner.methodology_codes)}")
    click.echo("Give the secret to the partner now: it is shown only this once.")
