"""Reading a partner's request: who sent it (Standard Webhooks signature), its JSON, its shape.

Every refusal is an :class:`ApiProblem`, answered as JSON by the blueprint's error handler.

Replays: the signature covers ``webhook-id``, ``webhook-timestamp`` and the raw body, and the
library refuses timestamps more than five minutes old or ahead, so a captured request can only
be replayed within that window. Within it a replay changes nothing, because records are
idempotent per (partner, external_id) and a link code works once; so no ``webhook-id`` is
stored (no state to share between processes, nothing to expire).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from flask import g, request
from pydantic import BaseModel, ValidationError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from portal.activities.models import Partner
from portal.activities.partners.queries import get_partner_by_public_id
from portal.blueprints.api.schemas import ApiError, FieldError

PARTNER_HEADER = "X-Partner-Id"
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")

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
    missing = [name for name in SIGNATURE_HEADERS if not request.headers.get(name)]
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
    headers = {name: request.headers[name] for name in SIGNATURE_HEADERS}
    try:
        Webhook(partner.signing_secret).verify(body, headers, json_parse=False)
    except (WebhookVerificationError, ValueError) as exc:
        # The library's message names the problem: missing headers, timestamp too old or too
        # new, no matching signature. ValueError: a signature header that is not "v1,<b64>".
        reason = str(exc) if isinstance(exc, WebhookVerificationError) else "Malformed signature"
        raise ApiProblem(
            401, "invalid_signature", f"The signature could not be verified: {reason}."
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
    """The body as JSON, numbers with a fraction or exponent as ``Decimal`` (never float)."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
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
