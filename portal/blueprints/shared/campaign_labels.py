"""The words for campaign phases and bonus outcomes, and the themed days' names, for the public
campaign pages and the operator's."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.gamification.campaigns.calendar import get_themed_day
from portal.gamification.campaigns.rules import Phase
from portal.web.i18n import localized

PHASE_LABELS = {
    Phase.UPCOMING.value: _l("Upcoming"),
    Phase.RUNNING.value: _l("Running now"),
    Phase.GRACE.value: _l("Ended, late data still counts"),
    Phase.ENDED.value: _l("Ended"),
}


def theme_name(theme: str) -> str:
    day = get_themed_day(theme)
    return localized(day, "name") if day is not None else str(_l("Local campaign"))


def campaign_labels() -> dict[str, Any]:
    """A context processor: ``campaign_phase_labels``, ``theme_name`` and ``themed_day``."""
    return {
        "campaign_phase_labels": PHASE_LABELS,
        "theme_name": theme_name,
        "themed_day": get_themed_day,
    }
