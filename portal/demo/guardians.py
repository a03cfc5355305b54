"""Demo privacy settings and guardian consent, through the services a person would use:
the demo citizen and one rider opt in to public lists (the welfare donors show them by alias,
the other donors as "Anonymous"); two citizens under 14 sign up: ``13900000009`` with no
guardian's consent yet (the mall and donations tell them to ask one), and ``13900000008``,
whose guardian, the demo citizen ``13900000001``, agreed through the invitation link (giving
the year of birth the older demo account lacked). Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.guardians import accept_invitation, invite_guardian
from portal.accounts.models import User
from portal.accounts.queries import get_consent_in_force
from portal.accounts.settings import update_privacy_settings
from portal.clock import local_today
from portal.demo.accounts import DEMO_LOGINS, EXTRA_CITIZENS, PRIVACY_VERSION, ensure_user

GUARDIAN_BIRTH_YEAR = 1990  # the demo citizen's, given when they agree


@dataclass(frozen=True)
class DemoMinors:
    without_consent: User
    with_consent: User


def seed_guardians() -> DemoMinors:
    citizen = ensure_user(DEMO_LOGINS[0].login, DEMO_LOGINS[0].display_name, "220100")
    rider = ensure_user(*EXTRA_CITIZENS[0])
    for person in (citizen, rider):
        if not person.is_publicly_listed:
            update_privacy_settings(person.id, alias=person.display_name, is_publicly_listed=True)
    year = local_today().year
    alone = ensure_user("13900000009", "小雪同学", "220100", birth_year=year - 12)
    child = ensure_user("13900000008", "林小苗", "220100", birth_year=year - 11)
    if get_consent_in_force(child.id) is None:
        invited = invite_guardian(minor_id=child.id, contact=DEMO_LOGINS[0].login)
        accept_invitation(
            guardian_id=citizen.id,
            token=invited.token,
            notice_version=PRIVACY_VERSION,
            birth_year=GUARDIAN_BIRTH_YEAR,
        )
    return DemoMinors(alone, child)
