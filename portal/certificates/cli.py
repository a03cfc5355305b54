"""``flask certificates …`` commands. Register ``certificates_cli`` on the app (portal/cli.py)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.certificates.reasons import REVOCATION_REASONS

certificates_cli = AppGroup("certificates", help="Certificates and their signing keys.")


@certificates_cli.command("new-key")
def new_key_command() -> None:
    """Print a new ES256 private key (PEM) for CERTIFICATE_KEYS.

    To rotate: put the new key first in CERTIFICATE_KEYS and keep the old key (or only its
    public key) after it, so credentials signed before still verify against the JWK Set."""
    from portal.certificates.keys import generate_key_pem

    click.echo(generate_key_pem(), nl=False)


@certificates_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, type=click.Choice(sorted(REVOCATION_REASONS)))
def revoke_command(code: str, reason: str) -> None:
    """Revoke the certificate CODE for REASON, as the platform (audited without an actor)."""
    from portal.certificates.services import revoke_certificate
    from portal.errors import DomainError

    try:
        revoke_certificate(code, reason, actor=None)
    except DomainError as error:
        click.echo(str(error.message), err=True)
        sys.exit(1)
    click.echo(f"Certificate {code} revoked ({reason}).")
