"""The words for team kinds and brackets (stored as codes), for the team pages and, later, the
leaderboards."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.teams.pk.queries import scenario_titles
from portal.web.i18n import localized

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

METRIC_LABELS = {
    "per_capita": _l("Grams reduced per member"),
    "participation": _l("Participation rate"),
    "scenario": _l("Records of one activity"),
}

PHASE_LABELS = {
    "proposed": _l("Awaiting an answer"),
    "declined": _l("Declined"),
    "expired": _l("Not answered in time"),
    "upcoming": _l("Not started yet"),
    "running": _l("Running"),
    "review": _l("Ended: under review"),
    "final": _l("Final"),
}


def team_labels() -> dict[str, Any]:
    """A context processor: the labels of team kinds and brackets, challenge metrics and
    phases."""
    return {
        "team_kind_labels": KIND_LABELS,
        "team_bracket_labels": BRACKET_LABELS,
        "challenge_metric_labels": METRIC_LABELS,
        "challenge_phase_labels": PHASE_LABELS,
    }


def scenario_title(code: str | None) -> str | None:
    """The title, in the reader's language, of a challenge's scenario (None for none)."""
    if code is None:
        return None
    zh, en = scenario_titles(code)
    return localized({"title_zh": zh, "title_en": en}, "title")
