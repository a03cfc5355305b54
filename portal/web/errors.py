"""Error pages in the reader's language (JSON under /api/), and a service's refusal shown on
the form that caused it. A 500 is always a bug: it is logged and the session rolled back."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, flash, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from portal.errors import DomainError
from portal.extensions import db

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


def attach_error(form: object, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or as a form-level error."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def error_response(code: int, detail: str | None = None) -> tuple[str, int] | Response:
    """The error page for ``code`` (with an optional ``detail`` line), or its JSON for the API."""
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


def init_app(app: Flask) -> None:
    """Register the handlers: an expired CSRF token, the HTTP errors we word, and the rest."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return error_response(
            400,
            _("The form expired or its security token is missing. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = error.code or 500
        if code not in ERROR_TITLES:
            return error
        return error_response(code)

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> Any:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500)
