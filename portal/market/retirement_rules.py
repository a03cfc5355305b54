"""Pure rules of a retirement request: whole tonnes, one closed purpose with what it needs, a
beneficiary named in both languages, and the form's one-time token. No database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.errors import InvalidInput
from portal.market.models import RetirementPurpose
from portal.text import text_problem

MAX_TONNES = 10**9
FIRST_YEAR = 2000  # no operations year before the platform's oldest vintages are offset
BENEFICIARY_ZH_LENGTH = 160
BENEFICIARY_EN_LENGTH = 200
# secrets.token_urlsafe(24): 32 URL-safe characters; a shorter or odd token is refused.
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class RetirementRequest:
    """A checked request: ``reference_id`` is the event or case id for those purposes,
    ``year`` the operations year, each None otherwise."""

    tonnes: int
    purpose: RetirementPurpose
    year: int | None
    reference_id: int | None
    beneficiary_zh: str
    beneficiary_en: str
    idempotency_key: str


def whole_tonnes(value: Any) -> int:
    """``value`` as whole tonnes to retire: an int from 1 to ``MAX_TONNES`` (no bool, no
    fraction, no text)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Enter a whole number of tonnes."), field="tonnes")
    if not 1 <= value <= MAX_TONNES:
        raise InvalidInput(
            _l("Retire from 1 to %(high)s tonnes.", high=f"{MAX_TONNES:,}"), field="tonnes"
        )
    return value


def _beneficiary(value: Any, field: str, length: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(_l("Name the beneficiary in Chinese and in English."), field=field)
    if len(text) > length:
        raise InvalidInput(_l("At most %(n)s characters.", n=length), field=field)
    if (problem := text_problem(text)) is not None:
        raise InvalidInput(problem, field=field)
    return text


def _year(value: Any, this_year: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_l("Enter the year of the operations offset."), field="year")
    if not FIRST_YEAR <= value <= this_year:
        raise InvalidInput(
            _l("Choose a year from %(first)s to %(last)s.", first=FIRST_YEAR, last=this_year),
            field="year",
        )
    return value


def _reference(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(_l("Choose what the tonnes are retired for."), field="reference")
    return value


def check_request(
    *,
    tonnes: Any,
    purpose: Any,
    year: Any,
    reference_id: Any,
    beneficiary_zh: Any,
    beneficiary_en: Any,
    form_token: Any,
    this_year: int,
) -> RetirementRequest:
    """The request as plain checked values, or ``InvalidInput`` naming the field. ``this_year``
    is the Asia/Shanghai year: an operations year may not be later."""
    if not isinstance(form_token, str) or not FORM_TOKEN.fullmatch(form_token):
        raise InvalidInput(_l("The form expired. Reload the page and try again."))
    try:
        chosen = RetirementPurpose(purpose)
    except ValueError:
        raise InvalidInput(_l("Choose a purpose."), field="purpose") from None
    return RetirementRequest(
        tonnes=whole_tonnes(tonnes),
        purpose=chosen,
        year=_year(year, this_year) if chosen is RetirementPurpose.OPERATIONS else None,
        reference_id=_reference(reference_id)
        if chosen in (RetirementPurpose.EVENT, RetirementPurpose.COMPENSATION)
        else None,
        beneficiary_zh=_beneficiary(beneficiary_zh, "beneficiary_zh", BENEFICIARY_ZH_LENGTH),
        beneficiary_en=_beneficiary(beneficiary_en, "beneficiary_en", BENEFICIARY_EN_LENGTH),
        idempotency_key=f"retire:{form_token}",
    )
