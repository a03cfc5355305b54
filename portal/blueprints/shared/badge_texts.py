"""Badges in the reader's language: a tier's name, a badge's name and what its next tier still
needs ("3 more days", "还差 3 天"). Used by the badge wall, its toast and the notification
texts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.gamification.rules import Badge, get_badge, in_written_unit
from portal.web.i18n import localized

TIER_NAMES = {"bronze": _l("Bronze"), "silver": _l("Silver"), "gold": _l("Gold")}


def tier_name(level: str) -> str:
    return str(TIER_NAMES.get(level, level))


def badge_name(key: str) -> str:
    """The badge's name in the reader's language (the key itself for a badge no longer
    defined)."""
    badge = get_badge(key)
    return localized(badge, "name") if badge else key


def _km(amount: Decimal) -> str:
    return _("%(num)s km more", num=format_decimal(amount))


# By measure: what a next tier still needs, in words (counts are whole, km and kg to 0.1).
STILL_NEEDED: dict[str, Callable[[Decimal], str]] = {
    "credited_records": lambda n: ngettext("%(num)s more record", "%(num)s more records", int(n)),
    "streak_days": lambda n: ngettext(
        "%(num)s more day in a row", "%(num)s more days in a row", int(n)
    ),
    "cycled_km": _km,
    "walked_km": _km,
    "kg_reduced": lambda a: _("%(num)s kg of CO₂e more", num=format_decimal(a)),
    "categories_tried": lambda n: ngettext(
        "%(num)s more category", "%(num)s more categories", int(n)
    ),
    "donations": lambda n: ngettext("%(num)s more donation", "%(num)s more donations", int(n)),
    "campaigns_joined": lambda n: ngettext(
        "%(num)s more campaign", "%(num)s more campaigns", int(n)
    ),
    "challenges_won": lambda n: ngettext("%(num)s more win", "%(num)s more wins", int(n)),
    "quizzes_passed": lambda n: ngettext("%(num)s more quiz", "%(num)s more quizzes", int(n)),
    "volunteer_activities": lambda n: ngettext(
        "%(num)s more activity", "%(num)s more activities", int(n)
    ),
}


def still_needed(badge: Badge, base_amount: int) -> str:
    """What ``base_amount`` (in the measure's base unit) still to go reads as."""
    return STILL_NEEDED[badge.measure.code](in_written_unit(badge, base_amount))
