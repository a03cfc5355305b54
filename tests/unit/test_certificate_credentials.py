"""Credentials without an app: the key bundle, the Open Badges payload, and offline
verification against the published JWK Set failing for anything forged or altered."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from portal.certificates.credentials import (
    InvalidCredential,
    build_credential,
    sign_credential,
    verify_credential,
)
from portal.certificates.keys import KeyBundleError, generate_key_pem, load_keys, public_pem
from portal.certificates.models import Certificate

BASE = "https://tanhui.example.cn/"
VERIFY = BASE + "verify/abc"


def certificate() -> Certificate:
    return Certificate(
        code="abc",
        kind="milestone",
        subject_alias="绿色骑手",
        achievement_key="milestone-10kg",
        title_zh="碳减排里程碑：累计减排 10 千克",
        title_en="Carbon milestone: 10 kg reduced",
        description_zh="累计净减排量已达 10 千克二氧化碳当量。",
        description_en="A net 10 kg of CO₂e reduced in total.",
        issued_at=datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
    )


def token(keys_pem: str, lang: str = "zh") -> str:
    claims = build_credential(certificate(), base_url=BASE, verify_url=VERIFY, lang=lang)
    return sign_credential(claims, load_keys(keys_pem))


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_payload_is_an_open_badge_credential_naming_the_alias() -> None:
    claims = build_credential(certificate(), base_url=BASE, verify_url=VERIFY, lang="en")
    vc = claims["vc"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in vc["@context"]
    assert vc["id"] == claims["jti"] == VERIFY
    assert vc["issuer"]["id"] == claims["iss"] == BASE
    assert claims["nbf"] == int(datetime(2026, 12, 1, 8, 30, tzinfo=UTC).timestamp())
    subject = vc["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "绿色骑手"
    assert subject["achievement"]["name"] == "Carbon milestone: 10 kg reduced"
    assert subject["achievement"]["inLanguage"] == "en"
    chinese = build_credential(certificate(), base_url=BASE, verify_url=VERIFY, lang="zh")
    assert chinese["vc"]["credentialSubject"]["achievement"]["inLanguage"] == "zh-CN"
    assert chinese["vc"]["name"] == "碳减排里程碑：累计减排 10 千克"


def test_signed_credential_verifies_against_the_published_key_set() -> None:
    pem = generate_key_pem()
    keys = load_keys(pem)
    signed = token(pem)
    header = json.loads(base64.urlsafe_b64decode(signed.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "typ": "JWT", "kid": keys.kid}
    # What an offline verifier holds: the JSON of /.well-known/jwks.json, nothing private.
    published = json.loads(json.dumps(keys.jwks()))
    assert all("d" not in key for key in published["keys"])
    claims = verify_credential(signed, published)
    assert claims["vc"]["credentialSubject"]["identifier"][0]["identityHash"] == "绿色骑手"


def test_altered_payload_fails_verification() -> None:
    pem = generate_key_pem()
    header, payload, signature = token(pem).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["vc"]["credentialSubject"]["identifier"][0]["identityHash"] = "别人"
    altered = ".".join([header, _segment(claims), signature])
    with pytest.raises(InvalidCredential):
        verify_credential(altered, load_keys(pem).jwks())


def test_altered_signature_fails_verification() -> None:
    pem = generate_key_pem()
    header, payload, signature = token(pem).split(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    with pytest.raises(InvalidCredential):
        verify_credential(".".join([header, payload, flipped]), load_keys(pem).jwks())


def test_credential_forged_with_another_key_fails_even_with_the_same_kid() -> None:
    ours = load_keys(generate_key_pem())
    forger = ECKey.generate_key("P-256", private=True)
    claims = build_credential(certificate(), base_url=BASE, verify_url=VERIFY, lang="zh")
    forged = jwt.encode({"alg": "ES256", "kid": ours.kid}, claims, forger, algorithms=["ES256"])
    with pytest.raises(InvalidCredential):
        verify_credential(forged, ours.jwks())


def test_unsigned_and_symmetric_tokens_are_refused() -> None:
    keys = load_keys(generate_key_pem())
    claims = build_credential(certificate(), base_url=BASE, verify_url=VERIFY, lang="zh")
    unsigned = ".".join([_segment({"alg": "none", "kid": keys.kid}), _segment(claims), ""])
    with pytest.raises(InvalidCredential):
        verify_credential(unsigned, keys.jwks())
    hs = ".".join([_segment({"alg": "HS256", "kid": keys.kid}), _segment(claims), "c2ln"])
    with pytest.raises(InvalidCredential):
        verify_credential(hs, keys.jwks())
    with pytest.raises(InvalidCredential):
        verify_credential("not a token", keys.jwks())


def test_rotation_keeps_credentials_signed_by_the_old_key_verifying() -> None:
    old_pem, new_pem = generate_key_pem(), generate_key_pem()
    old = load_keys(old_pem)
    signed_before = token(old_pem)
    rotated = load_keys(new_pem + public_pem(old.signing))
    assert rotated.kid != old.kid
    assert [k["kid"] for k in rotated.jwks()["keys"]] == [rotated.kid, old.kid]
    assert verify_credential(signed_before, rotated.jwks())
    assert verify_credential(token(new_pem), rotated.jwks())
    # Once the old key is dropped from the set, what it signed no longer verifies.
    with pytest.raises(InvalidCredential):
        verify_credential(signed_before, load_keys(new_pem).jwks())


def test_kid_is_the_rfc7638_thumbprint() -> None:
    keys = load_keys(generate_key_pem())
    assert keys.kid == ECKey.import_key(keys.jwks()["keys"][0]).thumbprint()


@pytest.mark.parametrize(
    "bundle",
    ["", "no key here", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"],
)
def test_bad_bundles_are_refused(bundle: str) -> None:
    with pytest.raises(KeyBundleError):
        load_keys(bundle)


def test_a_public_key_cannot_be_the_signing_key() -> None:
    public = public_pem(load_keys(generate_key_pem()).signing)
    with pytest.raises(KeyBundleError):
        load_keys(public)
