"""Certificates anyone may check: /verify/<code>, the printable page, the credential file and
the platform's public keys at /.well-known/jwks.json."""

from portal.blueprints.certificates.views import bp

__all__ = ["bp"]
