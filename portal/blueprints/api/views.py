"""The partner API: submit behaviour records, link citizens, read the OpenAPI document.

No session, no CSRF: each request is authenticated by its Standard Webhooks signature
(``partner_request.authenticated``, worked out once per request and shared with the rate limits).
Answers are JSON in English whatever the caller's language, so the handling runs under
``force_locale("en")`` (our locale selector would otherwise pick Chinese).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import force_locale
from flask_limiter.util import get_remote_address
from spectree import Response as Responses
from werkzeug.exceptions import HTTPException

from portal.activities.intake.parsing import request_field
from portal.activities.intake.partner_records import submit_partner_rows
from portal.activities.intake.records import Outcome
from portal.activities.models import Channel
from portal.activities.partners.links import link_partner_account
from portal.blueprints.api import bp
from portal.blueprints.api.partner_request import (
    ApiProblem,
    authenticated,
    parse_json,
    validate,
)
from portal.blueprints.api.schemas import (
    ApiError,
    BatchResult,
    BehaviorBatch,
    FieldError,
    LinkRequest,
    LinkResult,
    RecordResult,
)
from portal.blueprints.api.spec import SECURITY, api
from portal.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from portal.extensions import csrf, limiter

# Signed machine-to-machine calls carry no CSRF token; the signature is the protection.
csrf.exempt(bp)

PARTNER_RATE = "60 per minute"
# Failed authentication, per client address: slows down anyone probing ids or signatures.
FAILED_AUTH_RATE = "30 per minute"


def _errors(*codes: int) -> dict[str, Any]:
    return {f"HTTP_{code}": ApiError for code in codes}


def _partner_key() -> str:
    """The verified partner: only authenticated calls use up a partner's quota, so nobody can
    exhaust it with unsigned requests naming that partner. Empty (limit skipped) otherwise."""
    try:
        partner, _body = authenticated()
    except ApiProblem:
        return ""
    return partner.public_id


def _failure_key() -> str:
    """The client address when authentication failed; empty (limit skipped) when it succeeded,
    so a partner's valid calls are never blocked by failures from the same address."""
    try:
        authenticated()
    except ApiProblem as problem:
        # 403: correctly signed by a deactivated partner; not a probe.
        return "" if problem.body.status == 403 else get_remote_address()
    return ""


# Shared by every signed route: one quota per partner, one failure budget per address.
limit_per_partner = limiter.shared_limit(PARTNER_RATE, scope="api-partner", key_func=_partner_key)
limit_failures = limiter.shared_limit(FAILED_AUTH_RATE, scope="api-auth", key_func=_failure_key)


@bp.errorhandler(ApiProblem)
def api_problem(problem: ApiProblem) -> tuple[Response, int]:
    return jsonify(problem.body.model_dump(mode="json")), problem.body.status


@bp.errorhandler(HTTPException)
def http_problem(error: HTTPException) -> tuple[Response, int, Any]:
    """HTTP errors inside the API (413, 429, …) as ``ApiError`` JSON, in English."""
    code = error.code or 500
    detail = error.description or error.name
    if code == 429:
        detail = f"Rate limit exceeded ({detail}). Wait before calling again."
    body = ApiError(error=error.name.lower().replace(" ", "_"), status=code, detail=detail)
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return jsonify(body.model_dump(mode="json")), code, headers


def _domain_problem(error: DomainError) -> ApiProblem:
    status, code = {
        InvalidInput: (422, "invalid_request"),
        Conflict: (409, "conflict"),
        NotAllowed: (403, "not_allowed"),
        NotFound: (404, "not_found"),
    }.get(type(error), (422, "invalid_request"))
    message = str(error.message)
    errors = [FieldError(field=request_field(error.field), message=message)] if error.field else []
    return ApiProblem(status, code, message, errors)


def _result(outcome: Outcome) -> RecordResult:
    return RecordResult(
        index=outcome.index,
        external_id=outcome.external_id,
        status=outcome.status,
        record_id=outcome.record_id,
        flags=list(outcome.flags),
        errors=[
            FieldError(field=request_field(p.field), message=str(p.message))
            for p in outcome.problems
        ],
    )


@bp.post("/behaviors")
@limit_per_partner
@limit_failures
@api.validate(
    json=BehaviorBatch,
    resp=Responses(HTTP_200=BatchResult, **_errors(400, 401, 403, 413, 422, 429)),
    tags=["behaviours"],
    security=SECURITY,
    operation_id="submitBehaviors",
    skip_validation=True,  # validated below, after the signature, from a float-free parse
)
def behaviors() -> tuple[Response, int]:
    """Submit up to 1,000 behaviour records.

    Each record is answered on its own, in request order: `accepted`, `duplicate` (its
    external_id was sent before) or `rejected` with the fields at fault. The call itself
    succeeds (200) whatever became of the records; a malformed envelope (no `records`, more
    than 1,000, not objects) is 422, malformed JSON 400.
    """
    with force_locale("en"):
        partner, body = authenticated()
        payload = parse_json(body)
        validate(BehaviorBatch, payload)
        try:
            outcomes = submit_partner_rows(
                partner_id=partner.id, rows=payload["records"], channel=Channel.PARTNER_API
            )
        except DomainError as error:
            raise _domain_problem(error) from None
        result = BatchResult(
            results=[_result(o) for o in outcomes],
            accepted=sum(o.status == "accepted" for o in outcomes),
            duplicates=sum(o.status == "duplicate" for o in outcomes),
            rejected=sum(o.status == "rejected" for o in outcomes),
        )
    return jsonify(result.model_dump(mode="json")), 200


@bp.post("/links")
@limit_per_partner
@limit_failures
@api.validate(
    json=LinkRequest,
    resp=Responses(
        HTTP_201=LinkResult, HTTP_200=LinkResult, **_errors(400, 401, 403, 409, 422, 429)
    ),
    tags=["citizens"],
    security=SECURITY,
    operation_id="linkCitizen",
    skip_validation=True,  # validated below, after the signature
)
def links() -> tuple[Response, int]:
    """Link a citizen: redeem the one-time code they gave your app.

    From then on you send their records with your `user_ref`. 201 when linked; 200 when this
    exact link was already made with this code (a retried call); 422 naming `code` for an
    unknown, used or expired code; 409 when the citizen or the `user_ref` is already linked.
    """
    with force_locale("en"):
        partner, body = authenticated()
        link_request = validate(LinkRequest, parse_json(body))
        try:
            link, created = link_partner_account(
                partner_id=partner.id, code=link_request.code, user_ref=link_request.user_ref
            )
        except DomainError as error:
            raise _domain_problem(error) from None
        result = LinkResult(user_ref=link.partner_user_ref, linked=True)
    return jsonify(result.model_dump(mode="json")), 201 if created else 200


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API (only the JSON; no CDN-loaded viewer)."""
    return jsonify(api.spec)
