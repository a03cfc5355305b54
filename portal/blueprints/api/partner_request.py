"""Reading a partner's request over HTTP: who sent it (its ``X-Partner-Id``, its signature
checked by ``portal.activities.partners.signatures``), its JSON, its shape.

Every refusal is an :class:`ApiProblem`, answered as JSON by the blueprint's error handler.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from flask import g, request
from pydantic import BaseModel, ValidationError

from portal.activities.models import Partner
from portal.activities.partners.queries import get_partner_by_public_id
from portal.activities.partners.signatures import (
    SIGNATURE_HEADERS,
    SignatureRejected,
    missing_signature_headers,
    verify_signature,
)
from portal.blueprints.api.schemas import ApiError, FieldError

PARTNER_HEADER = "X-Partner-Id"

Model = TypeVar("Model", bound=BaseModel)


class ApiProblem(Exception):
    """An error answer: HTTP status, machine code, English detail and the fields at fault."""

    def __init__(
        self, status: int, error: str, detail: str, errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(detail)
        self.body = ApiError(error=error, status=status, detail=detail, errors=errors or [])


def authenticate() -> tuple[Partner, str]:
    """The partner named by ``X-Partner-Id`` whose secret signed this exact body, and the body.

    401 for a missing or unknown partner id, missing signature headers, a timestamp outside
    the five-minute tolerance or a signature that does not match; 403 for a deactivated
    partner (only once its signature is verified).
    """
    public_id = request.headers.get(PARTNER_HEADER, "").strip()
    if not public_id:
        raise ApiProblem(
            401, "missing_partner", f"Send your partner id in the {PARTNER_HEADER} header."
        )
    partner = get_partner_by_public_id(public_id)
    if partner is None:
        raise ApiProblem(401, "unknown_partner", f"No partner has the id {public_id[:40]!r}.")
    headers = {name: request.headers.get(name, "") for name in SIGNATURE_HEADERS}
    missing = missing_signature_headers(headers)
    if missing:
        raise ApiProblem(
            401,
            "missing_signature",
            "Sign the request (Standard Webhooks); missing headers: " + ", ".join(missing) + ".",
        )
    raw = request.get_data(cache=True)
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiProblem(400, "malformed_body", "The body must be UTF-8 encoded JSON.") from None
    try:
        verify_signature(secret=partner.signing_secret, headers=headers, body=body)
    except SignatureRejected as rejected:
        raise ApiProblem(
            401, "invalid_signature", f"The signature could not be verified: {rejected.reason}."
        ) from None
    if not partner.is_active:
        raise ApiProblem(403, "partner_inactive", "This partner is not active.")
    return partner, body


def authenticated() -> tuple[Partner, str]:
    """``authenticate()``, worked out once per request: the rate limits' key functions need it
    before the view runs, and the view needs it again."""
    outcome: tuple[Partner, str] | ApiProblem | None = g.get("api_authentication")
    if outcome is None:
        try:
            outcome = authenticate()
        except ApiProblem as problem:
            outcome = problem
        g.api_authentication = outcome
    if isinstance(outcome, ApiProblem):
        raise outcome
    return outcome


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(body: str) -> Any:
    """The body as JSON, every number as ``Decimal``: never float, and never ``int``, which
    Python refuses past 4,300 digits with advice for programmers; a long number is then
    answered like any value out of range, by the field that holds it."""
    try:
        return json.loads(
            body, parse_float=Decimal, parse_int=Decimal, parse_constant=_no_constants
        )
    except json.JSONDecodeError as exc:
        detail = f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
    except (ValueError, RecursionError) as exc:
        detail = f"The body is not valid JSON: {exc}."
    raise ApiProblem(400, "malformed_json", detail, [FieldError(field="body", message=detail)])


def validate(model: type[Model], data: Any) -> Model:
    """``data`` checked against ``model``; 422 naming every field at fault otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            FieldError(field=".".join(str(part) for part in e["loc"]) or "body", message=e["msg"])
            for e in exc.errors(include_url=False)
        ]
        raise ApiProblem(
            422, "invalid_request", "The request does not match the schema.", errors
        ) from None
