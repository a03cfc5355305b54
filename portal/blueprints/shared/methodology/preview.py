"""The formula preview on the methodology forms and the official's review page: the view side
of ``portal.methodology.preview``. A form's "Show the preview" button posts the form to its own
page; the page answers with the preview and saves nothing (htmx swaps in the fragment alone)."""

from __future__ import annotations

from typing import Any

from flask import request
from wtforms.fields.core import UnboundField

from portal.blueprints.shared.methodology.convert import definition_from_form
from portal.blueprints.shared.methodology.definition import DefinitionForm
from portal.blueprints.shared.methodology.labels import CAP_PERIOD_WORDS, SAMPLE_LABELS
from portal.methodology.engine import FormulaError
from portal.methodology.preview import FormulaPreview, preview_formula
from portal.methodology.versions import VersionSpec, spec_from_definition
from portal.web.i18n import unit_label

PREVIEW_PARTIAL = "shared/partials/_formula_preview.html"
_DEFINITION_FIELDS = frozenset(
    name for name, value in vars(DefinitionForm).items() if isinstance(value, UnboundField)
)


def wants_preview() -> bool:
    """Whether the form was posted by its "Show the preview" button."""
    return request.method == "POST" and "preview" in request.form


def spec_preview(spec: VersionSpec) -> FormulaPreview | None:
    """The preview of a stored version, or ``None`` if its formula cannot be compiled."""
    try:
        return preview_formula(spec)
    except FormulaError:
        return None


def form_preview(form: DefinitionForm) -> FormulaPreview | None:
    """The preview of what the form defines, or ``None`` while its definition part has errors
    (validating the form puts them on its fields)."""
    form.validate()
    if _DEFINITION_FIELDS & form.errors.keys():
        return None
    try:
        spec = spec_from_definition(definition_from_form(form))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None
    return spec_preview(spec)


def preview_context(preview: FormulaPreview | None, preview_url: str | None) -> dict[str, Any]:
    """What the preview macro needs, for a page's or the fragment's context."""
    return {
        "preview": preview,
        "preview_url": preview_url,
        "preview_labels": {
            "periods": CAP_PERIOD_WORDS,
            "samples": SAMPLE_LABELS,
            "unit": unit_label,
        },
    }
