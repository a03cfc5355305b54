"""Privacy settings, changed by the account holder: the alias shown publicly (the display
name) and whether public lists may name them (``queries.may_be_listed``). One transaction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.accounts.rules import is_minor
from portal.accounts.services import display_name_value
from portal.clock import local_today
from portal.db import transaction
from portal.errors import InvalidInput, NotFound


def update_privacy_settings(
    user_id: int, *, alias: str, is_publicly_listed: bool, ip: str | None = None
) -> User:
    """The holder of ``user_id`` sets their public alias (as ``display_name_value`` takes it)
    and opts in or out of public lists. Under 14 the opt-in is refused (InvalidInput on
    ``is_publicly_listed``): minors are never listed. Each change is audited on its own
    (``privacy.alias_changed``; ``privacy.listing_changed`` with the new choice); saving the
    same values writes nothing."""
    name = display_name_value(alias)
    with transaction() as db:
        user = db.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise NotFound(_l("No such account."))
        if is_publicly_listed and is_minor(user.birth_year, local_today()):
            raise InvalidInput(
                _l("Accounts of people under 14 are never shown on public lists."),
                field="is_publicly_listed",
            )
        if user.display_name != name:
            user.display_name = name
            record_audit(
                "privacy.alias_changed",
                actor_id=user.id,
                subject_type="user",
                subject_id=user.id,
                ip=ip,
            )
        if user.is_publicly_listed != is_publicly_listed:
            user.is_publicly_listed = is_publicly_listed
            record_audit(
                "privacy.listing_changed",
                actor_id=user.id,
                subject_type="user",
                subject_id=user.id,
                ip=ip,
                details={"is_publicly_listed": is_publicly_listed},
            )
    return user
