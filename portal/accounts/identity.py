"""Shape rules for login identifiers and passwords, shared by forms and services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext, ngettext
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
    """How ``password`` breaks the rule (``PASSWORD_RULE``, shown as the field's hint), or
    ``None`` when it meets it: the message names what this password lacks."""
    message = _password_shortfall(password)
    if message is None and identifier and identifier.lower() in password.lower():
        message = gettext("The password must not contain your mobile number or email.")
    return None if message is None else str(message)


def _password_shortfall(password: str) -> Any:
    """The translated reason the password breaks ``PASSWORD_RULE``, or ``None``."""
    length = len(password)
    if length < PASSWORD_MIN:
        return ngettext(
            "This password has only %(num)d character; it needs at least 8.",
            "This password has only %(num)d characters; it needs at least 8.",
            length,
        )
    if length > PASSWORD_MAX:
        return gettext("This password has %(num)d characters; at most 128 are allowed.", num=length)
    has_letter = re.search(r"[A-Za-z]", password) is not None
    has_digit = re.search(r"\d", password) is not None
    if not has_letter and not has_digit:
        return gettext("This password has neither a letter nor a digit; add one of each.")
    if not has_digit:
        return gettext("This password has no digit (0–9); add one.")
    if not has_letter:
        return gettext("This password has no letter (A–Z); add one.")
    return None
