"""The platform's signing keys for credentials: ES256 (P-256) keys in one PEM bundle.

The bundle's first block is the private key that signs; any further blocks (private or public
keys) are keys that signed earlier credentials and are still published at
``/.well-known/jwks.json`` so those credentials keep verifying. Rotating a key means putting a
new private key first and keeping the old one's public key after it. Each key's ``kid`` is its
RFC 7638 thumbprint, so no name has to be chosen or kept in step.

Pure: the bundle's text comes from the configuration (``CERTIFICATE_KEYS``), which reads it
from the environment or from the instance folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey, KeySet

ALGORITHM = "ES256"
CURVE = "P-256"
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.DOTALL)


class KeyBundleError(ValueError):
    """The key bundle cannot be read: no key, the first not private, or not a P-256 key."""


@dataclass(frozen=True)
class SigningKeys:
    """The key that signs now and every key a verifier may meet (the signing one first)."""

    signing: ECKey
    published: tuple[ECKey, ...]

    @property
    def kid(self) -> str:
        return self.signing.thumbprint()

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set: each key with ``kid``, ``alg``, ``use``; no private part."""
        return {
            "keys": [
                {**key.as_dict(private=False), "kid": key.thumbprint(), "alg": ALGORITHM}
                | {"use": "sig"}
                for key in self.published
            ]
        }

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(self.jwks())  # type: ignore[arg-type]


def generate_key_pem() -> str:
    """A new private ES256 key as PKCS#8 PEM text."""
    key = ECKey.generate_key(CURVE, private=True)
    return key.as_pem(private=True).decode()


def public_pem(key: ECKey) -> str:
    return key.as_pem(private=False).decode()


def load_keys(bundle: str) -> SigningKeys:
    """Read a PEM bundle (see the module docstring); raises ``KeyBundleError`` on a bad one."""
    blocks = _PEM_BLOCK.findall(bundle)
    if not blocks:
        raise KeyBundleError("no PEM key in the certificate key bundle")
    keys: list[ECKey] = []
    for block in blocks:
        try:
            key = ECKey.import_key(block)
        except Exception as error:  # joserfc raises several types for a key it cannot read
            raise KeyBundleError(f"not an EC key: {error}") from error
        if key.as_dict(private=False).get("crv") != CURVE:
            raise KeyBundleError(f"certificate keys must be {CURVE} keys for {ALGORITHM}")
        keys.append(key)
    if not keys[0].is_private:
        raise KeyBundleError("the first key of the certificate key bundle must be a private key")
    published: dict[str, ECKey] = {}
    for key in keys:  # a key listed twice is published once, in its first place
        published.setdefault(key.thumbprint(), key)
    return SigningKeys(signing=keys[0], published=tuple(published.values()))
