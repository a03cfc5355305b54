"""Shape rules for login identifiers and passwords, shared by forms and services."""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 128
PASSWORD_RULE = _l("8 to 128 characters, with at least one letter and one digit.")


@dataclass(frozen=True)
class Identifier:
    """A normalised login: exactly one of ``phone`` or ``email`` is set."""

    phone: str | None = None
    email: str | None = None

    @property
    def value(self) -> str:
        return self.phone or self.email or ""


def parse_identifier(raw: str) -> Identifier | None:
    """A mainland mobile number (spaces, dashes and a +86 prefix allowed) or an email address."""
    text = (raw or "").strip()
    if not text:
        return None
    if "@" in text:
        try:
            result = validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return None
        return Identifier(email=result.normalized.lower())
    digits = re.sub(r"[\s-]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return Identifier(phone=digits) if MOBILE_RE.match(digits) else None


def password_problem(password: str, identifier: str = "") -> str | None:
    """Why ``password`` is too weak, or ``None`` when it meets the rule."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return str(PASSWORD_RULE)
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return str(PASSWORD_RULE)
    if identifier and identifier.lower() in password.lower():
        return str(_l("The password must not contain your mobile number or email."))
    return None
