"""The words for public-welfare project statuses, for the public pages and the operator's."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.welfare.models import ProjectStatus

STATUS_LABELS = {
    ProjectStatus.DRAFT.value: _l("Draft"),
    ProjectStatus.OPEN.value: _l("Open for donations"),
    ProjectStatus.CLOSED.value: _l("Closed"),
}


def welfare_labels() -> dict[str, Any]:
    """A context processor: ``welfare_status_labels`` for the templates."""
    return {"welfare_status_labels": STATUS_LABELS}
