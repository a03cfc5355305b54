"""Request-side glue shared by every blueprint: locale, login, security headers, htmx rendering,
error pages and template helpers. Domain packages never import this module."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response as BaseResponse

from portal.accounts.models import AUDIT_IP_LENGTH, Role, User
from portal.accounts.regions import city_name
from portal.activities.evidence import evidence_path
from portal.activities.models import Evidence
from portal.db import MAX_ROW_ID
from portal.errors import DomainError
from portal.extensions import db, htmx
from portal.methodology.units import UNITS

SUPPORTED_LOCALES = ("zh_Hans_CN", "en")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def select_locale() -> str:
    """The remembered choice, then the account's, then the browser's, then Chinese."""
    if not has_request_context():  # CLI, jobs and services translate into the default language
        return "zh_Hans_CN"
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return str(current_user.locale)
    best = request.accept_languages.best_match(["zh", "en"], default="zh")
    return "en" if best == "en" else "zh_Hans_CN"


def language() -> str:
    """ "zh" or "en": which of a record's ``*_zh`` / ``*_en`` columns to show."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def localized(obj: Any, attr: str) -> str:
    """``obj.<attr>_zh`` or ``obj.<attr>_en`` (or dict keys) in the reader's language."""
    key = f"{attr}_{language()}"
    value = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
    return str(value or "")


def attach_error(form: object, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or as a form-level error."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def send_evidence(evidence_id: int, *, owner_id: int | None = None) -> BaseResponse:
    """Serve an evidence photo privately; with ``owner_id`` only to the citizen who uploaded it."""
    item = db.session.get(Evidence, evidence_id)
    if item is None or (owner_id is not None and item.uploaded_by_id != owner_id):
        abort(404)
    path = evidence_path(
        Path(current_app.instance_path) / "uploads", item.sha256, item.content_type
    )
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=item.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def unit_label(code: str) -> str:
    """An activity unit's name in the reader's language (the code itself if unknown)."""
    unit = UNITS.get(code)
    if unit is None:
        return code
    return unit.label_en if language() == "en" else unit.label_zh


def client_ip() -> str | None:
    """The client's address for the audit log, when it is one. Behind ProxyFix it comes from
    X-Forwarded-For, which a client can fill with any text when no proxy of ours sets it."""
    try:
        address = str(ipaddress.ip_address(request.remote_addr or ""))
    except ValueError:
        return None
    return address if len(address) <= AUDIT_IP_LENGTH else None


def page_arg() -> int:
    """The ?page= of a list: 1 when absent or not a number; pagination clamps the rest."""
    return request.args.get("page", 1, type=int) or 1


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


def render(
    template: str, partial: str | None = None, status: int = 200, **context: Any
) -> Response:
    """Render ``template``; for an htmx request (not a boosted navigation) render only ``partial``.

    The one place that decides page vs fragment (CONVENTIONS rule 9); sets ``Vary: HX-Request``.
    """
    name = partial if partial and htmx and not htmx.boosted else template
    response = current_app.make_response((render_template(name, **context), status))
    response.vary.add("HX-Request")
    return response


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # get_id() is "<id>:<session_version>"; an old version means the password has changed.
        raw_id, _sep, version = user_id.partition(":")
        if not raw_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(raw_id))
        if user is None or user.session_version != int(version) or not user.is_active:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized() -> BaseResponse:
        login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
        if request.blueprint == "api" or request.path.startswith("/api/"):
            return jsonify(error="unauthorized"), 401  # type: ignore[return-value]
        if htmx:
            # A swapped-in login form would land inside a fragment; send the whole page there.
            response = current_app.make_response(("", 204))
            response.headers["HX-Redirect"] = login_url
            return response
        flash(_("Please log in to see this page."), "info")
        return redirect(login_url)


def require_role(role: Role | None) -> BaseResponse | None:
    """Guard for a blueprint's ``before_request``: log in first, then hold ``role``."""
    from portal.extensions import login_manager

    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    if role is not None and not current_user.has_role(role):
        abort(403)
    return None


# Navigation by role: (endpoint, label, role needed). Later audiences add their entries here.
NAV: list[tuple[str, Any, Role | None]] = []


def nav_items() -> list[tuple[str, str]]:
    items = []
    for endpoint, label, role in NAV:
        if role is None or (current_user.is_authenticated and current_user.has_role(role)):
            items.append((url_for(endpoint), str(label)))
    return items


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
    if current_user and current_user.is_authenticated:
        # Personal pages must not be cached by shared proxies or the back-forward cache.
        headers.setdefault("Cache-Control", "private, no-store")
    return response


ERROR_TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
ERROR_HINTS = {
    400: _l("Check what you entered and try again. If you opened an old form, reload it first."),
    403: _l(
        "Your account does not hold the role this page needs. Ask an administrator if it should."
    ),
    404: _l("The address may be mistyped, or the page has moved."),
    405: _l("Go back and use the page's own buttons."),
    413: _l("Choose a smaller file and try again."),
    429: _l("Wait a minute before trying again."),
    500: _l("The error has been logged. Please try again in a moment."),
}


def _error_response(code: int, detail: str | None = None) -> tuple[str, int] | Response:
    if request.path.startswith("/api/"):
        # Machines read a stable code; the detail stays in English for partners' logs.
        name = HTTP_STATUS_CODES.get(code, "error").lower().replace(" ", "_")
        return jsonify(error=name, status=code, detail=detail), code
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=ERROR_TITLES.get(code, _l("Error")),
            hint=ERROR_HINTS.get(code, ""),
            detail=detail,
        ),
        code,
    )


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in our URLs names a row: a number past a 64-bit key matches no route (404)
    instead of overflowing the database's integer."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ROW_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def _refuse_nul() -> tuple[str, int] | Response | None:
    """No text column can hold U+0000 (PostgreSQL refuses it), so no query or form value may."""
    values = [v for vs in request.values.listvalues() for v in vs]  # every value of every key
    names = [upload.filename or "" for upload in request.files.values()]
    if any("\x00" in value for value in (*values, *names)):
        return _error_response(
            400, _("The request contains a NUL character, which no field accepts.")
        )
    return None


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint's routes are added
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return _error_response(
            400,
            _("The form expired or its security token is missing. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        if code not in ERROR_TITLES:
            return error
        return _error_response(code)

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> Any:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _error_response(500)

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {
            "nav_items": nav_items,
            "language": language,
            "localized": localized,
            "city_name": lambda code: city_name(code, language()),
            "current_locale": lambda: str(get_locale()),
            "unit_label": unit_label,
            "Role": Role,
        }

    app.jinja_env.filters["datetime"] = lambda value, fmt="yyyy-MM-dd HH:mm": (
        format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)
