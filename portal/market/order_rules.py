"""Pure rules of listings and orders: what a number of tonnes, a price and a form token may
be, how a price in fen is written in yuan, and who may buy for an organisation. No database."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.accounts.models import MemberRole, OrgKind
from portal.errors import InvalidInput

MAX_ORDER_TONNES = 1_000_000
MAX_PRICE_FEN = 100_000_000  # ¥1,000,000 a tonne: far above any market price
DEFAULT_EXPIRY_HOURS = 72
# secrets.token_urlsafe(24): 32 URL-safe characters; a shorter or odd token is refused.
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
# A bank's transfer reference (流水号): letters, digits and - _ / . only.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{3,63}")
_DIGITS = re.compile(r"[0-9]{1,12}")
_YUAN = re.compile(r"(-?)([0-9]+)(?:\.([0-9]{1,2}))?")
_YUAN_DIGITS = 9  # more whole yuan than this is out of range, whatever the digits
_NOT_A_PRICE = _l("Enter a price in yuan, such as 58.50.")
_PRICE_RANGE = _l("The price must be more than ¥0 and at most ¥1,000,000 a tonne.")

# Courts and procuratorates buy tonnes to retire for their 以碳代偿 cases on a defendant's
# behalf (the compensation purpose admits them); they retire for nothing else.
BUYER_ORG_KINDS = frozenset(
    {
        OrgKind.ENTERPRISE.value,
        OrgKind.EVENT_ORGANISER.value,
        OrgKind.COURT.value,
        OrgKind.PROCURATORATE.value,
    }
)
BUYER_MEMBER_ROLES = frozenset({MemberRole.MANAGER.value, MemberRole.STAFF.value})


def order_tonnes(value: Any) -> int:
    """``value`` (an int, or text as typed) as the whole tonnes of an order: at least 1, no
    fraction, sign, bool or other text (InvalidInput naming the field ``tonnes`` otherwise)."""
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Enter a whole number of tonnes, such as 5."), field="tonnes")
    if not 1 <= value <= MAX_ORDER_TONNES:
        raise InvalidInput(
            _l("Order from 1 to %(high)s tonnes.", high=MAX_ORDER_TONNES), field="tonnes"
        )
    return value


def price_fen(value: Any) -> int:
    """``value`` as a price per tonne in fen: an int of fen, or yuan typed as text with at
    most two decimals ("58", "58.5", "58.50"); more than 0 and at most ``MAX_PRICE_FEN``."""
    if isinstance(value, str):
        match = _YUAN.fullmatch(value.strip())
        if match is None:
            raise InvalidInput(_NOT_A_PRICE, field="price")
        negative, whole, cents = match.groups()
        if negative or len(whole.lstrip("0")) > _YUAN_DIGITS:
            # A number, but a negative or absurd one: name the range, not "enter a price".
            raise InvalidInput(_PRICE_RANGE, field="price")
        value = int(whole) * 100 + int((cents or "0").ljust(2, "0"))
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_NOT_A_PRICE, field="price")
    if not 1 <= value <= MAX_PRICE_FEN:
        raise InvalidInput(_PRICE_RANGE, field="price")
    return value


def yuan_text(fen: int) -> str:
    """Fen as yuan with thousands separators and two decimals, in integers: 1234550 → 12,345.50."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def form_token(value: Any) -> str:
    if not isinstance(value, str) or not FORM_TOKEN.fullmatch(value):
        raise InvalidInput(_l("The form expired. Reload the page and try again."))
    return value


def payment_reference(value: Any) -> str:
    """A bank-transfer reference, stripped: 4 to 64 letters, digits and ``- _ / .``."""
    text = value.strip() if isinstance(value, str) else ""
    if not REFERENCE.fullmatch(text):
        raise InvalidInput(
            _l("Enter the bank's transfer reference: 4 to 64 letters, digits, - _ / or ."),
            field="reference",
        )
    return text


def may_buy_for(org_kind: str, member_role: str) -> bool:
    """A manager or staff member of an enterprise, an event organiser, a court or a
    procuratorate buys for it."""
    return org_kind in BUYER_ORG_KINDS and member_role in BUYER_MEMBER_ROLES


def seconds_left(expires_at: datetime, now: datetime) -> int:
    """Whole seconds until ``expires_at`` (0 once it passed)."""
    return max(0, int((expires_at - now).total_seconds()))
