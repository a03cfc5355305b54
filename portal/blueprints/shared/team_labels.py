"""The words for team kinds and brackets (stored as codes), for the team pages and, later, the
leaderboards."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "school": _l("School"),
    "class": _l("Class"),
    "volunteer": _l("Volunteer group"),
    "community": _l("Community"),
    "company": _l("Company"),
}

BRACKET_LABELS = {
    "primary": _l("Primary school"),
    "junior": _l("Junior high school"),
    "senior": _l("Senior high school"),
    "university": _l("University"),
    "volunteer": _l("Volunteer teams"),
    "community": _l("Communities"),
    "company": _l("Companies"),
}


def team_labels() -> dict[str, Any]:
    """A context processor: ``team_kind_labels`` and ``team_bracket_labels``."""
    return {"team_kind_labels": KIND_LABELS, "team_bracket_labels": BRACKET_LABELS}
