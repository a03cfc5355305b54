"""Pure rules of the mall: voucher codes (made, normalised for typing and scanning), the redeem
form's one-time token, and whether an offer serves a city."""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Sequence

from portal.mall.models import CODE_LENGTH, REQUEST_KEY_MAX

_CODE = re.compile(f"[A-Z2-7]{{{CODE_LENGTH}}}")
_REQUEST_KEY = re.compile(f"[A-Za-z0-9_-]{{16,{REQUEST_KEY_MAX}}}")
# Letters people type for the digits base32 does not use.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_code() -> str:
    """A fresh voucher code: 10 random bytes (80 bits) in base32, 16 characters A–Z and 2–7."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def normalise_code(text: str) -> str | None:
    """The code typed or scanned as stored (capitals, no spaces or dashes, look-alike digits
    read as the letters they resemble), or None if it cannot be a voucher code."""
    code = re.sub(r"[\s\-]", "", text or "").upper().translate(_LOOKALIKES)
    return code if _CODE.fullmatch(code) else None


def new_request_key() -> str:
    """The one-time token a redeem form carries (128 random bits)."""
    return secrets.token_urlsafe(16)


def is_request_key(text: str) -> bool:
    return bool(_REQUEST_KEY.fullmatch(text or ""))


def serves_city(city_codes: Sequence[str], city_code: str) -> bool:
    """No cities means every city of Jilin."""
    return not city_codes or city_code in city_codes
