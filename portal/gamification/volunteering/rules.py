"""Volunteering rules, pure: the rotating check-in code and the checks on an activity's fields.

The code is a TOTP (RFC 6238, ``pyotp``) of the activity's secret with a 60-second step and six
digits: the captain's screen shows the current step's code; a typed code is accepted for the
current step and the one before, so a code read just before it changed still works. Guessing
one is a one-in-500,000 chance per try (two codes valid), and the check-in is rate-limited.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import pyotp
from flask_babel import lazy_gettext as _l

from portal.errors import InvalidInput

STEP: Final = timedelta(seconds=60)
DIGITS: Final = 6
TITLE_MAX: Final = 60
PLACE_MAX: Final = 80
DESCRIPTION_MAX: Final = 1000
MINUTES_MAX: Final = 12 * 60  # one activity credits at most a long day
LONGEST: Final = timedelta(days=3)


def new_secret() -> str:
    return pyotp.random_base32()


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=int(STEP.total_seconds()))


def checkin_code(secret: str, at: datetime) -> str:
    """The code shown at ``at`` (aware)."""
    return _totp(secret).at(at)


def seconds_left(at: datetime) -> int:
    """Seconds until the code shown at ``at`` changes (1…60)."""
    step = int(STEP.total_seconds())
    return step - int(at.timestamp()) % step


def normalise_code(typed: str) -> str:
    """The digits of a typed code (spaces and dashes dropped, full-width digits read)."""
    return "".join(str(int(c)) for c in typed if c.isdigit())


def code_matches(secret: str, typed: str, at: datetime) -> bool:
    """Whether ``typed`` is the code of the step holding ``at`` or of the step before."""
    code = normalise_code(typed)
    if len(code) != DIGITS:
        return False
    totp = _totp(secret)
    return any(hmac.compare_digest(code, totp.at(moment)) for moment in (at, at - STEP))


def is_open(starts_at: datetime, ends_at: datetime, at: datetime) -> bool:
    """Whether check-in is open at ``at``: inside ``[starts_at, ends_at)``."""
    return starts_at <= at < ends_at


@dataclass(frozen=True)
class ActivityFields:
    """An activity's checked fields: texts stripped, times aware (UTC), minutes whole."""

    title: str
    place: str
    description: str
    starts_at: datetime
    ends_at: datetime
    credited_minutes: int


def check_fields(
    *,
    title: str,
    place: str,
    description: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    minutes: object,
    now: datetime,
) -> ActivityFields:
    """The fields of a new activity, or InvalidInput naming the first problem: an empty or
    too long text, a missing, reversed or over-long window, one that has already ended, or
    minutes that are not a whole number from 1 to ``MINUTES_MAX`` or exceed the window."""
    title, place, description = title.strip(), place.strip(), description.strip()
    for value, field, limit in (
        (title, "title", TITLE_MAX),
        (place, "place", PLACE_MAX),
    ):
        if not value:
            raise InvalidInput(_l("This field is required."), field=field)
        if len(value) > limit:
            raise InvalidInput(_l("At most %(num)s characters, please.", num=limit), field=field)
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(
            _l("At most %(num)s characters, please.", num=DESCRIPTION_MAX), field="description"
        )
    if starts_at is None:
        raise InvalidInput(_l("Give the start time."), field="starts_at")
    if ends_at is None:
        raise InvalidInput(_l("Give the end time."), field="ends_at")
    if ends_at <= starts_at:
        raise InvalidInput(_l("The end must come after the start."), field="ends_at")
    if ends_at - starts_at > LONGEST:
        raise InvalidInput(_l("An activity lasts at most three days."), field="ends_at")
    if ends_at <= now:
        raise InvalidInput(_l("This time has already passed."), field="ends_at")
    credited = minutes if isinstance(minutes, int) and not isinstance(minutes, bool) else None
    if credited is None or not 1 <= credited <= MINUTES_MAX:
        raise InvalidInput(
            _l("Give the minutes credited as a whole number from 1 to %(max)s.", max=MINUTES_MAX),
            field="minutes",
        )
    if timedelta(minutes=credited) > ends_at - starts_at:
        raise InvalidInput(
            _l("The minutes credited cannot exceed the activity's length."), field="minutes"
        )
    return ActivityFields(title, place, description, starts_at, ends_at, credited)
