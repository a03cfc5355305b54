"""Guardian consent: a citizen under 14, an adult guardian, a consent recorded through the
invitation link as a person would."""

from __future__ import annotations

from typing import Any

from portal.accounts.guardians import Invited, accept_invitation, invite_guardian
from portal.accounts.models import GuardianConsent, User
from portal.clock import local_today
from tests.factories.accounts import make_user

NOTICE = "2026-11"


def make_minor(age: int = 12, **fields: Any) -> User:
    """A citizen who counts as ``age`` this year (``accounts.rules``: born ``age + 1`` years
    ago, so surely ``age`` and maybe one more)."""
    return make_user(birth_year=local_today().year - age - 1, **fields)


def make_adult(**fields: Any) -> User:
    return make_user(birth_year=local_today().year - 40, **fields)


def invite(minor: User, guardian: User) -> Invited:
    return invite_guardian(minor_id=minor.id, contact=guardian.phone or guardian.email or "")


def make_consent(minor: User, guardian: User) -> GuardianConsent:
    """``guardian`` agrees for ``minor`` through a fresh invitation."""
    invited = invite(minor, guardian)
    return accept_invitation(guardian_id=guardian.id, token=invited.token, notice_version=NOTICE)
