"""Open Badges 3.0 credentials as VC-JWTs: the payload of a certificate, signed and verified.

A certificate's credential is built from its stored row when it is downloaded, in the reader's
language (Open Badges keeps one language per credential: ``inLanguage``), and signed with the
platform's current key; its content (who, what, when, the credential id) is fixed at issue, so
every download is the same credential. The subject is named by the holder's public alias only
(by the organisation, for what an organisation did).
Offline verification needs nothing but the JWK Set published at ``/.well-known/jwks.json``.

Pure: no database, no request; the caller passes the platform's base URL.
"""

from __future__ import annotations

from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from portal.certificates.keys import ALGORITHM, SigningKeys
from portal.certificates.models import Certificate

CONTEXTS = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
ISSUER_NAME = {"zh": "碳惠吉林", "en": "Tanhui Jilin"}
LANGUAGE_TAGS = {"zh": "zh-CN", "en": "en"}


class InvalidCredential(ValueError):
    """The token is not a credential this platform signed (forged, altered or malformed)."""


def _text(cert: Certificate, attr: str, lang: str) -> str:
    return str(getattr(cert, f"{attr}_{lang}"))


def build_credential(
    cert: Certificate, *, base_url: str, verify_url: str, lang: str
) -> dict[str, Any]:
    """The JWT claims of ``cert``'s OpenBadgeCredential (VC-JWT, Open Badges 3.0 §8.2).

    ``base_url`` is the issuer's id (the platform's address, ending in "/"); ``verify_url`` the
    certificate's public ``/verify/<code>`` address, which is also the credential's id.
    ``lang`` is "zh" or "en".
    """
    issued = cert.issued_at.isoformat(timespec="seconds").replace("+00:00", "Z")
    achievement = {
        "id": f"urn:tanhui-jilin:achievement:{cert.achievement_key}",
        "type": ["Achievement"],
        "achievementType": "Achievement",
        "name": _text(cert, "title", lang),
        "description": _text(cert, "description", lang),
        "criteria": {"narrative": _text(cert, "description", lang)},
        "inLanguage": LANGUAGE_TAGS[lang],
    }
    subject = {
        "type": ["AchievementSubject"],
        # The alias (or the organisation) as a plain "name" identity (never the phone, email or
        # real name).
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": cert.holder_name(lang),
            }
        ],
        "achievement": achievement,
    }
    credential = {
        "@context": CONTEXTS,
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": base_url, "type": ["Profile"], "name": ISSUER_NAME[lang]},
        "issuanceDate": issued,
        "validFrom": issued,
        "name": _text(cert, "title", lang),
        "credentialSubject": subject,
    }
    timestamp = int(cert.issued_at.timestamp())
    return {
        "iss": base_url,
        "jti": verify_url,
        "nbf": timestamp,
        "iat": timestamp,
        "vc": credential,
    }


def sign_credential(claims: dict[str, Any], keys: SigningKeys) -> str:
    """The compact JWS of ``claims``, signed with the current key (``kid`` in the header)."""
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": keys.kid}
    return jwt.encode(header, claims, keys.signing, algorithms=[ALGORITHM])


def verify_credential(token: str, key_set: KeySet | dict[str, Any]) -> dict[str, Any]:
    """The claims of ``token`` if one of ``key_set``'s keys (a JWK Set, as published) signed it
    with ES256; raises ``InvalidCredential`` for anything else. This is what an offline
    verifier does with the published JWK Set."""
    keys = key_set if isinstance(key_set, KeySet) else KeySet.import_key_set(key_set)  # type: ignore[arg-type]
    try:
        decoded = jwt.decode(token, keys, algorithms=[ALGORITHM])
    except (JoseError, ValueError) as error:
        raise InvalidCredential(str(error)) from error
    if "vc" not in decoded.claims:
        raise InvalidCredential("not a verifiable credential: no vc claim")
    return dict(decoded.claims)
