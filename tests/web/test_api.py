"""The signed partner API under /api/v1: signatures, batches, links, the spec, rate limits.

Requests are signed with standardwebhooks' own ``Webhook.sign``. The library checks the
timestamp against the real clock, so signatures (and the record times the service checks
against its own clock) are taken relative to the moment each test runs.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import lazy_gettext
from sqlalchemy import func, select
from standardwebhooks import Webhook

from portal.accounts.models import AuditEvent
from portal.activities.intake import parsing
from portal.activities.models import AccountLink, BehaviorRecord, Partner
from portal.activities.partners import links
from tests import factories

METRO, CYCLING, CLOTHES = "JLCH-TR-008", "JLCH-TR-003", "JLCH-CL-001"
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # factories.make_partner's secret


def send(
    client: FlaskClient,
    partner: Partner | None,
    payload: Any,
    *,
    path: str = "/api/v1/behaviors",
    secret: str = SECRET,
    clock_skew: timedelta = timedelta(0),
    headers: dict[str, str] | None = None,
) -> Any:
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    msg_id = f"msg_{uuid.uuid4().hex}"
    at = datetime.now(UTC) + clock_skew  # now at send time, not at collection
    sent = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, text),
    }
    if partner is not None:
        sent["X-Partner-Id"] = partner.public_id
    sent.update(headers or {})
    return client.post(path, data=body, headers={k: v for k, v in sent.items() if v})


def count(db: Any) -> int:
    return db.session.scalar(select(func.count(BehaviorRecord.id)))


def trip(external_id: str = "t-1", hours_ago: int = 3, **changes: Any) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(hours=hours_ago)
    record = {
        "external_id": external_id,
        "user_ref": "card-1",
        "scenario": METRO,
        "quantity": "12.5",
        "unit": "km",
        "occurred_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=40)).isoformat(),
    }
    record.update(changes)
    return record


@pytest.fixture
def metro(db: Any, methodologies: Any) -> Partner:
    partner = factories.make_partner([METRO, CLOTHES])
    factories.link(partner, factories.make_user(), "card-1")
    return partner


def test_an_accepted_batch_creates_records(client: FlaskClient, db: Any, metro: Partner) -> None:
    second = trip("t-2", hours_ago=5, quantity=8, note="line 2")  # a JSON number: a decimal
    response = send(client, metro, {"records": [trip(), second]})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 0, 0)
    assert [r["status"] for r in body["results"]] == ["accepted", "accepted"]
    assert [r["index"] for r in body["results"]] == [0, 1]
    first = db.session.get(BehaviorRecord, body["results"][0]["record_id"])
    assert first.external_id == "t-1" and first.quantity_milli == 12500
    assert first.channel == "partner_api" and first.partner_id == metro.id
    assert body["results"][0] == {
        "index": 0,
        "external_id": "t-1",
        "status": "accepted",
        "record_id": first.id,
        "flags": [],
        "errors": [],
    }
    assert count(db) == 2


def test_a_resent_record_is_a_duplicate(client: FlaskClient, db: Any, metro: Partner) -> None:
    first = send(client, metro, {"records": [trip()]}).json["results"][0]
    again = send(client, metro, {"records": [trip(), trip()]})
    assert again.status_code == 200
    assert [(r["status"], r["record_id"]) for r in again.json["results"]] == [
        ("duplicate", first["record_id"]),
        ("duplicate", first["record_id"]),
    ]
    assert again.json["duplicates"] == 2 and count(db) == 1


@pytest.mark.parametrize(
    ("change", "error", "detail"),
    [
        (
            {"secret": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="},
            "invalid_signature",
            "No matching signature",
        ),
        ({"headers": {"webhook-signature": ""}}, "missing_signature", "webhook-signature"),
        ({"headers": {"webhook-signature": "v1"}}, "invalid_signature", "Malformed"),
        (
            {"headers": {"webhook-id": "", "webhook-timestamp": ""}},
            "missing_signature",
            "webhook-id, webhook-timestamp",
        ),
        ({"clock_skew": -timedelta(minutes=6)}, "invalid_signature", "too old"),
        ({"clock_skew": timedelta(minutes=6)}, "invalid_signature", "too new"),
        ({"headers": {"X-Partner-Id": "ptn_nobody"}}, "unknown_partner", "ptn_nobody"),
        ({"headers": {"X-Partner-Id": ""}}, "missing_partner", "X-Partner-Id"),
    ],
)
def test_unauthenticated_requests_are_refused(
    client: FlaskClient, db: Any, metro: Partner, change: dict[str, Any], error: str, detail: str
) -> None:
    response = send(client, metro, {"records": [trip()]}, **change)
    assert response.status_code == 401
    assert response.json["error"] == error and response.json["status"] == 401
    assert detail in response.json["detail"]
    assert count(db) == 0


def test_a_body_changed_after_signing_is_refused(
    client: FlaskClient, db: Any, metro: Partner
) -> None:
    body = json.dumps({"records": [trip()]})
    msg_id, at = "msg_1", datetime.now(UTC)
    headers = {
        "X-Partner-Id": metro.public_id,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(msg_id, at, body),
    }
    tampered = body.replace("12.5", "125.0")
    response = client.post("/api/v1/behaviors", data=tampered, headers=headers)
    assert response.status_code == 401 and count(db) == 0
    unsigned = client.post("/api/v1/behaviors", json={"records": [trip()]})
    assert unsigned.status_code == 401 and unsigned.json["error"] == "missing_partner"


def test_a_deactivated_partner_is_refused(client: FlaskClient, db: Any, metro: Partner) -> None:
    metro.is_active = False
    db.session.commit()
    response = send(client, metro, {"records": [trip()]})
    assert response.status_code == 403 and response.json["error"] == "partner_inactive"


@pytest.mark.parametrize(
    ("body", "status", "field", "detail"),
    [
        ('{"records": [', 400, "body", "not valid JSON"),
        ("", 400, "body", "not valid JSON"),
        ('{"records": [{"quantity": NaN}]}', 400, "body", "NaN"),
        (b'{"records": "\xff"}', 400, None, "UTF-8"),
        ("[]", 422, "body", "valid dictionary"),
        ("{}", 422, "records", "required"),
        ('{"records": []}', 422, "records", "at least 1"),
        ('{"records": [1]}', 422, "records.0", "valid dictionary"),
        ('{"records": [{}], "batch": 1}', 422, "batch", "not permitted"),
    ],
)
def test_malformed_requests_name_the_problem(
    client: FlaskClient,
    db: Any,
    metro: Partner,
    body: str | bytes,
    status: int,
    field: str | None,
    detail: str,
) -> None:
    response = send(client, metro, body)
    assert response.status_code == status
    assert response.is_json
    text = json.dumps(response.json)
    assert detail in text
    if field is not None:
        assert field in [e["field"] for e in response.json["errors"]]
    assert count(db) == 0


def test_more_than_1000_records_are_refused(client: FlaskClient, db: Any, metro: Partner) -> None:
    records = [trip(f"t-{n}") for n in range(1001)]
    response = send(client, metro, {"records": records})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "records"
    assert "1000" in response.json["errors"][0]["message"]
    assert count(db) == 0


def test_bad_records_are_rejected_one_by_one(client: FlaskClient, db: Any, metro: Partner) -> None:
    now = datetime.now(UTC)
    batch = [
        trip("ok"),
        trip("cycling", scenario=CYCLING),
        trip("abc", quantity="abc"),
        trip("naive", occurred_at="2026-11-20T08:00:00", ended_at=None),
        trip("zero", quantity="0"),
        trip("negative", quantity=-3),
        trip("absurd", quantity="1e9"),
        trip("vast", quantity="1e309"),  # more digits than a decimal context holds
        trip("long", quantity=10**30),  # a JSON integer
        trip("nul\x00"),  # PostgreSQL text cannot hold U+0000
        trip("nul-note", note="a\x00b"),
        trip("surrogate", note="a\ud800b"),  # sent as the JSON escape \ud800
        trip(
            "far", hours_ago=6, quantity="61"
        ),  # above the plausible 60 km: kept for review, not refused
        trip("future", occurred_at=(now + timedelta(hours=2)).isoformat(), ended_at=None),
        trip("stranger", user_ref="nobody"),
        trip("clothes", scenario=CLOTHES, unit="kg", quantity="2.5", ended_at=None),
    ]
    response = send(client, metro, {"records": batch})
    assert response.status_code == 200
    results = {r["external_id"]: r for r in response.json["results"]}

    def errors(name: str) -> list[tuple[str, str]]:
        return [(e["field"], e["message"]) for e in results[name]["errors"]]

    assert results["ok"]["status"] == "accepted"
    assert errors("nul\x00") == [("external_id", "The text contains a NUL character.")]
    assert errors("nul-note") == [("note", "The text contains a NUL character.")]
    assert errors("surrogate") == [("note", "The text is not valid Unicode.")]
    assert errors("cycling") == [("scenario", "This partner is not authorised for that scenario.")]
    assert errors("abc") == [("quantity", "The quantity must be a number.")]
    assert errors("naive") == [("occurred_at", "The time must include a time zone.")]
    assert errors("zero") == [("quantity", "The quantity must be greater than zero.")]
    assert errors("negative") == [("quantity", "The quantity must be greater than zero.")]
    for name in ("absurd", "vast", "long"):
        assert errors(name)[0][0] == "quantity" and "far beyond" in errors(name)[0][1]
    assert results["far"]["status"] == "accepted"
    assert results["far"]["flags"] == ["quantity_above_plausible"]
    assert errors("future") == [("occurred_at", "The behaviour cannot be in the future.")]
    assert errors("stranger")[0][0] == "user_ref"
    assert results["clothes"]["status"] == "accepted"
    assert response.json["accepted"] == 3 and response.json["rejected"] == 13
    assert count(db) == 3


def test_answers_are_in_english_whatever_the_language(
    app: Flask, client: FlaskClient, db: Any, metro: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A message the Chinese catalog translates, so the test shows the locale is forced.
    translated = lazy_gettext("Partner platform")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert str(translated) == "合作平台"
    monkeypatch.setattr(parsing, "MSG_NUMBER", translated)
    response = send(
        client,
        metro,
        {"records": [trip(quantity="abc")]},
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert response.json["results"][0]["errors"][0]["message"] == "Partner platform"


def test_link_code_flow(client: FlaskClient, db: Any, metro: Partner) -> None:
    citizen = factories.make_user()
    code = links.create_link_code(citizen.id).code
    payload = {"code": code.lower(), "user_ref": "card-77"}
    response = send(client, metro, payload, path="/api/v1/links")
    assert response.status_code == 201
    assert response.json == {"user_ref": "card-77", "linked": True}
    link = db.session.scalar(select(AccountLink).where(AccountLink.partner_user_ref == "card-77"))
    assert link.user_id == citizen.id and link.partner_id == metro.id
    # A retried call (the first answer was lost) is answered with the existing link.
    assert send(client, metro, payload, path="/api/v1/links").status_code == 200
    # The linked citizen's records are now accepted.
    accepted = send(client, metro, {"records": [trip("t-77", user_ref="card-77")]})
    assert accepted.json["results"][0]["status"] == "accepted"

    bad = send(client, metro, {"code": "NOPE2345", "user_ref": "card-78"}, path="/api/v1/links")
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "code"
    other = links.create_link_code(factories.make_user().id).code
    clash = send(client, metro, {"code": other, "user_ref": "card-77"}, path="/api/v1/links")
    assert clash.status_code == 409 and clash.json["errors"][0]["field"] == "user_ref"
    nul = send(client, metro, {"code": other, "user_ref": "card\x0079"}, path="/api/v1/links")
    assert nul.status_code == 422 and nul.json["errors"][0]["field"] == "user_ref"
    shape = send(client, metro, {"code": 12345678}, path="/api/v1/links")
    assert shape.status_code == 422
    assert {e["field"] for e in shape.json["errors"]} == {"code", "user_ref"}
    unsigned = client.post("/api/v1/links", json=payload)
    assert unsigned.status_code == 401


def test_a_citizen_unlinks_and_links_again(
    app: Any, client: FlaskClient, db: Any, metro: Partner
) -> None:
    citizen = factories.make_user()
    code = links.create_link_code(citizen.id).code
    assert send(client, metro, {"code": code, "user_ref": "card-5"}, path="/api/v1/links").json
    me = app.test_client()
    factories.log_in(me, citizen)
    link = db.session.scalar(select(AccountLink).where(AccountLink.user_id == citizen.id))
    en = {"Accept-Language": "en"}
    assert me.post(f"/me/links/{link.id}/unlink", headers=en).status_code == 302
    assert "can no longer send records" in me.get("/me/links", headers=en).text
    refused = send(client, metro, {"records": [trip("t-5a", user_ref="card-5")]})
    assert refused.json["results"][0]["errors"][0]["field"] == "user_ref"
    # A new code from the citizen, redeemed by the same partner, links them again.
    again = links.create_link_code(citizen.id).code
    relinked = send(client, metro, {"code": again, "user_ref": "card-5"}, path="/api/v1/links")
    assert relinked.status_code == 201
    accepted = send(client, metro, {"records": [trip("t-5b", user_ref="card-5")]})
    assert accepted.json["results"][0]["status"] == "accepted"
    moves = select(AuditEvent.action).where(AuditEvent.action.in_(["link.created", "link.removed"]))
    actions = db.session.scalars(moves.order_by(AuditEvent.id)).all()
    assert actions == ["link.created", "link.removed", "link.created"]


def test_openapi_lists_only_the_api(client: FlaskClient, db: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/v1/behaviors", "/api/v1/links"}
    operation = spec["paths"]["/api/v1/behaviors"]["post"]
    assert set(operation["responses"]) >= {"200", "401", "422", "429"}
    assert operation["security"] == [
        {"PartnerId": [], "WebhookId": [], "WebhookTimestamp": [], "WebhookSignature": []}
    ]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["WebhookSignature"]["in"] == "header"
    assert "Standard Webhooks" in schemes["WebhookSignature"]["description"]
    record = spec["components"]["schemas"]["RecordIn"]
    assert record["required"] == [
        "external_id",
        "user_ref",
        "scenario",
        "quantity",
        "unit",
        "occurred_at",
    ]
    assert record["properties"]["occurred_at"]["format"] == "date-time"
    # spectree's CDN-loaded viewer pages are not registered.
    assert client.get("/apidoc/swagger").status_code == 404
    assert client.get("/api/v1/apidoc/swagger").status_code == 404


def test_rate_limit_per_partner(
    client: FlaskClient, db: Any, metro: Partner, rate_limits: None
) -> None:
    batch = {"records": [trip()]}
    # Unsigned calls naming the partner do not use up its quota.
    for _ in range(5):
        assert send(client, metro, batch, secret="whsec_" + "QUJD" * 8).status_code == 401
    for n in range(60):
        assert send(client, metro, batch).status_code == 200, n
    refused = send(client, metro, batch)
    assert refused.status_code == 429
    assert refused.json["error"] == "too_many_requests" and refused.json["status"] == 429
    assert "60 per 1 minute" in refused.json["detail"]
    # Another partner has its own quota.
    other = factories.make_partner([METRO], signing_secret=SECRET)
    assert send(client, other, {"records": [trip("o-1")]}).status_code == 200
    assert count(db) == 1


def test_failed_signatures_are_limited_per_address(
    client: FlaskClient, db: Any, metro: Partner, rate_limits: None
) -> None:
    for _ in range(30):
        assert send(client, metro, {"records": [trip()]}, secret="whsec_QUJD").status_code == 401
    refused = send(client, None, {"records": [trip()]})
    assert refused.status_code == 429 and refused.json["error"] == "too_many_requests"
    # The partner's own correctly signed calls from that address still go through.
    assert send(client, metro, {"records": [trip()]}).status_code == 200


def test_no_csrf_token_needed(client: FlaskClient, db: Any, metro: Partner, csrf_on: None) -> None:
    assert send(client, metro, {"records": [trip()]}).status_code == 200
