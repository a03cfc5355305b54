"""The Standard Webhooks check of a partner's request, on plain values (no app, no request)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from portal.activities.partners.signatures import (
    SignatureRejected,
    missing_signature_headers,
    verify_signature,
)

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
BODY = '{"records": []}'


def signed(body: str = BODY, *, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(SECRET).sign("msg_1", at, body),
    }


def test_a_request_signed_by_the_secret_passes() -> None:
    verify_signature(secret=SECRET, headers=signed(), body=BODY)


# The headers are signed when the test runs, not when it is collected: a suite that takes more
# than the 5-minute tolerance to reach this file would otherwise see every signature as old.
@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [
        (signed, BODY + " ", "No matching signature found"),
        (
            lambda: signed(at=datetime.now(UTC) - timedelta(minutes=6)),
            BODY,
            "Message timestamp too old",
        ),
        (
            lambda: {**signed(), "webhook-signature": "not-a-signature"},
            BODY,
            "Malformed signature",
        ),
    ],
)
def test_anything_else_is_rejected_with_its_reason(
    headers: Callable[[], dict[str, str]], body: str, reason: str
) -> None:
    with pytest.raises(SignatureRejected) as rejected:
        verify_signature(secret=SECRET, headers=headers(), body=body)
    assert rejected.value.reason == reason


def test_missing_headers_are_named_in_order() -> None:
    assert missing_signature_headers({"webhook-id": "x", "webhook-signature": ""}) == [
        "webhook-timestamp",
        "webhook-signature",
    ]
    assert missing_signature_headers(signed()) == []
