"""A record's review reason (a code of ``portal.activities.reasons`` and its parameters) in the
reader's language, for every page that shows one (the citizen's records, the official's review).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.activities import reasons
from portal.activities.models import BehaviorRecord
from portal.blueprints.shared.methodology.definition import formula_problem
from portal.methodology.engine import FormulaError

# A record's status as staff read it.
RECORD_STATUS_LABELS = {
    "pending": _l("Being quantified"),
    "flagged": _l("Waiting for review"),
    "quantified": _l("Counted"),
    "rejected": _l("Not counted"),
    "superseded": _l("Replaced by partner data"),
}


def describe_reason(code: str, params: Mapping[str, Any]) -> str:
    """The reason ``code`` with ``params`` as a sentence; "" for none. An official's note and a
    reason stored as text before codes are shown as written."""
    if code == reasons.OFFICIAL_DECISION:
        return str(params.get("note", ""))
    if code == reasons.NO_VERSION_IN_FORCE:
        return _("No filed methodology version was in force at that time.")
    if code == reasons.FORMULA_ERROR:
        detail, reason = str(params.get("detail", "")), params.get("reason", "evaluation")
        error = FormulaError(detail, reason, params.get("position"))
        return _("Could not be quantified: %(why)s", why=formula_problem(error))
    if code == reasons.NOT_QUANTIFIABLE:
        return _("Could not be quantified: %(why)s", why=params.get("detail", ""))
    if code == reasons.TOO_MANY_GRAMS:
        return _(
            "Could not be quantified: %(grams)s g is more than one record may reduce "
            "(%(max_grams)s g).",
            grams=params.get("grams"),
            max_grams=params.get("max_grams"),
        )
    if code == reasons.ALREADY_COUNTED:
        return _("Already counted from the citizen's own report, whose points were spent.")
    if code == reasons.ACCOUNT_DELETED:
        return _("Not counted: the account was deleted.")
    if code == reasons.OTHER:
        return str(params.get("text", ""))
    return code


def record_reason(record: BehaviorRecord) -> str:
    """``describe_reason`` of a record's stored reason."""
    return describe_reason(record.review_code, record.review_params)
