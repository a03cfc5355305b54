"""What every response and request is held to: security headers (CSP and its siblings), no NUL
character in any value, redirects only to our own paths, and the client's address and scheme
from X-Forwarded-* only through the proxies the configuration trusts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request, session
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.web.errors import error_response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths may be redirected to after login or a language switch."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or not target.isprintable():  # no header splitting by CR/LF, no NUL
        return fallback
    return target


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
    if current_app.config["PORTAL_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if _signed_in():
        # Personal pages must not be cached by shared proxies or the back-forward cache.
        headers.setdefault("Cache-Control", "private, no-store")
    return response


def _signed_in() -> bool:
    """Whether the response may be personal: the session names a logged-in user (a stale one
    included), or the request logged one in from a remember cookie. Read without loading the
    user, which costs a query on responses that never needed them (/healthz, offer images)."""
    if "_user_id" in session:
        return True
    user = g.get("_login_user")
    return user is not None and user.is_authenticated


def _refuse_nul() -> tuple[str, int] | Response | None:
    """No text column can hold U+0000 (PostgreSQL refuses it), so no query or form value may."""
    values = [v for vs in request.values.listvalues() for v in vs]  # every value of every key
    names = [upload.filename or "" for upload in request.files.values()]
    if any("\x00" in value for value in (*values, *names)):
        return error_response(
            400, _("The request contains a NUL character, which no field accepts.")
        )
    return None


def _trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For, -Proto and -Host only for ``TRUSTED_PROXY_HOPS`` proxies (none
    by default): the rate limits and the audit log key on the address this gives."""
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def init_app(app: Flask) -> None:
    _trust_proxies(app)
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
