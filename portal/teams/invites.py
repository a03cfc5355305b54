"""Invite links and codes, pure: a link carries the invite's id signed (itsdangerous, with a
timestamp) by that invite's own random secret; a code is eight characters to type, from an
alphabet without look-alikes (no 0/O, 1/I/L).

Each invite row has its own secret rather than using the app's ``SECRET_KEY``: rotating one
team's invite then invalidates exactly that team's links, and the domain needs no app config.
Someone who can read the secrets could forge a link, but could as well write a membership.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

INVITE_LIFETIME = timedelta(days=7)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
SALT = "team-invite"


def new_secret() -> str:
    return secrets.token_hex(32)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str | None:
    """A typed code as stored (upper case, spaces and dashes dropped), or None when it cannot
    be a code at all."""
    code = "".join(ch for ch in (typed or "").upper() if ch not in " -\t")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def shown_code(code: str) -> str:
    """The code as printed for people: two groups of four (``K7QM-9XDP``)."""
    return f"{code[:4]}-{code[4:]}"


def sign(invite_id: int, secret: str) -> str:
    return URLSafeTimedSerializer(secret, salt=SALT).dumps(invite_id)


def claimed_id(token: str) -> int | None:
    """The invite id a token claims, before its signature is checked (to find the secret)."""
    try:
        _valid, payload = URLSafeTimedSerializer("", salt=SALT).loads_unsafe(token)
    except Exception:  # loads_unsafe may still fail on text that is not a token at all
        return None
    return payload if isinstance(payload, int) and not isinstance(payload, bool) else None


def check(token: str, secret: str, invite_id: int) -> str | None:
    """``None`` when the token is this invite's and within its lifetime; else "expired" or
    "invalid"."""
    try:
        payload = URLSafeTimedSerializer(secret, salt=SALT).loads(
            token, max_age=int(INVITE_LIFETIME.total_seconds())
        )
    except SignatureExpired:
        return "expired"
    except BadSignature:
        return "invalid"
    return None if payload == invite_id else "invalid"
