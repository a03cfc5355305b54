"""Standard Webhooks verification of a partner's signed request: the ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature`` headers against the raw body and the partner's
signing secret. Plain values in, so any entry point (the API blueprint today) can call it.

Replays: the signature covers ``webhook-id``, ``webhook-timestamp`` and the raw body, and the
library refuses timestamps more than five minutes old or ahead (it reads the clock itself, so no
``now`` is taken), so a captured request can only be replayed within that window. Within it a
replay changes nothing, because records are idempotent per (partner, external_id) and a link
code works once; so no ``webhook-id`` is stored (no state to share between processes, nothing
to expire).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# One signature of a ``webhook-signature`` header (space-separated): a version, a comma, base64.
_ONE_SIGNATURE = re.compile(r"v\d+[a-z]?,[A-Za-z0-9+/]+={0,2}")


class SignatureRejected(Exception):
    """The request is not signed by the partner's secret; ``reason`` says why in the library's
    English words (missing headers, timestamp too old or too new, no matching signature) or
    ``Malformed signature``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def missing_signature_headers(headers: Mapping[str, str]) -> list[str]:
    """The Standard Webhooks headers absent or empty in ``headers``, in their usual order."""
    return [name for name in SIGNATURE_HEADERS if not headers.get(name)]


def verify_signature(*, secret: str, headers: Mapping[str, str], body: str) -> None:
    """Raise ``SignatureRejected`` unless ``secret`` (``whsec_`` + base64) signed ``body`` (the
    raw request text) with these headers, within five minutes of now."""
    # Said here, not left to the library: its releases differ on such a header (1.1 raises
    # ValueError, 1.3 answers "No matching signature found").
    signatures = headers.get("webhook-signature", "").split()
    if not all(_ONE_SIGNATURE.fullmatch(one) for one in signatures):
        raise SignatureRejected("Malformed signature")
    try:
        Webhook(secret).verify(
            body, {name: headers.get(name, "") for name in SIGNATURE_HEADERS}, json_parse=False
        )
    except (WebhookVerificationError, ValueError) as exc:
        # ValueError: a signature header that is not "v1,<b64>".
        reason = str(exc) if isinstance(exc, WebhookVerificationError) else "Malformed signature"
        raise SignatureRejected(reason) from None
