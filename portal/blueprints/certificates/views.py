"""Public certificate pages. A certificate's code is unguessable (128 bits), so whoever has it
may see what it certifies, print it and download its credential: each shows the holder's alias
only, never a phone, an email or a real name. An unknown code is a 404."""

from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, Flask, abort, current_app, jsonify, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.certificates import queries
from portal.certificates.credentials import build_credential, sign_credential
from portal.certificates.keys import SigningKeys, load_keys
from portal.certificates.models import Certificate
from portal.certificates.reasons import REVOCATION_REASONS
from portal.extensions import csrf
from portal.web.htmx import render
from portal.web.i18n import language

bp = Blueprint("certificates", __name__)

KEYS_EXTENSION = "portal.certificate_keys"
JWT_MEDIA_TYPE = "application/jwt"


def signing_keys(app: Flask | None = None) -> SigningKeys:
    """The app's certificate keys, read from ``CERTIFICATE_KEYS`` once per app."""
    app = app or current_app
    keys = app.extensions.get(KEYS_EXTENSION)
    if keys is None:
        keys = app.extensions[KEYS_EXTENSION] = load_keys(app.config["CERTIFICATE_KEYS"])
    assert isinstance(keys, SigningKeys)
    return keys


def _certificate(code: str) -> Certificate:
    cert = queries.get_certificate(code)
    if cert is None:
        abort(404)
    return cert


def _verify_url(cert: Certificate) -> str:
    return url_for("certificates.verify", code=cert.code, _external=True)


def _page(template: str, cert: Certificate, **context: Any) -> Response:
    return render(
        template,
        cert=cert,
        verify_url=_verify_url(cert),
        revoked_reason=REVOCATION_REASONS.get(cert.revoked_reason or ""),
        **context,
    )


@bp.get("/verify/<code>")
def verify(code: str) -> Response:
    return _page("certificates/verify.html", _certificate(code))


@bp.get("/certificates/<code>")
def printable(code: str) -> Response:
    cert = _certificate(code)
    qr = segno.make(_verify_url(cert), error="m")
    # segno's SVG is a path with attributes only, no script or style, so the CSP holds.
    return _page("certificates/print.html", cert, qr_svg=Markup(qr.svg_inline(scale=4)))


@bp.get("/certificates/<code>.jwt")
def credential(code: str) -> Response:
    """The certificate's Open Badges 3.0 credential as a VC-JWT file, in the reader's language;
    410 for a revoked certificate (its credential is no longer given out)."""
    cert = _certificate(code)
    if cert.is_revoked:
        abort(410)
    claims = build_credential(
        cert, base_url=request.url_root, verify_url=_verify_url(cert), lang=language()
    )
    token = sign_credential(claims, signing_keys())
    response = current_app.response_class(token, mimetype=JWT_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.jwt"'
    return response


@bp.get("/.well-known/jwks.json")
@csrf.exempt
def jwks() -> Response:
    """The public keys that sign credentials (JWK Set, RFC 7517), current and earlier ones."""
    response = jsonify(signing_keys().jwks())
    # Public keys: any site's verifier may fetch them from a browser.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
