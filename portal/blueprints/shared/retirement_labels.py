"""The words for retirements, shared by the public register, the buyer's retire pages and the
citizen's traceability page: purpose names, "what it was for" phrases and the citizen's
sentences, built from the stored codes and parameters in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import Organisation
from portal.market.models import Retirement, RetirementPurpose
from portal.web.i18n import language, localized

PURPOSE_LABELS = {
    RetirementPurpose.OPERATIONS.value: _l("An organisation's annual operations"),
    RetirementPurpose.EVENT.value: _l("An event's carbon neutrality"),
    RetirementPurpose.COMPENSATION.value: _l("Ecological-damage compensation (court case)"),
    RetirementPurpose.VOLUNTARY.value: _l("Voluntary offset"),
}


def _title(titles: tuple[str, str] | None) -> str:
    if titles is None:
        return "—"
    return titles[0] if language() == "zh" else titles[1]


def purpose_text(retirement: Retirement, titles: tuple[str, str] | None = None) -> str:
    """What the tonnes were retired for, as a short phrase."""
    purpose = retirement.purpose
    if purpose == RetirementPurpose.OPERATIONS.value:
        return _("Operations of %(year)s", year=retirement.purpose_year)
    if purpose == RetirementPurpose.EVENT.value:
        return _("Carbon neutrality of the event “%(title)s”", title=_title(titles))
    if purpose == RetirementPurpose.COMPENSATION.value:
        return _("Compensation in the case “%(title)s”", title=_title(titles))
    return _("Voluntary offset")


def trace_sentence(
    scenario: str,
    retirement: Retirement,
    organisation: Organisation,
    titles: tuple[str, str] | None = None,
) -> str:
    """The citizen's sentence: how their reductions of ``scenario`` (a methodology's title in
    the reader's language) were used by this retirement."""
    org = localized(organisation, "name")
    beneficiary = localized(retirement, "beneficiary")
    purpose = retirement.purpose
    if purpose == RetirementPurpose.OPERATIONS.value:
        return _(
            "Your reductions from “%(scenario)s” helped %(org)s offset its %(year)s operations.",
            scenario=scenario,
            org=org,
            year=retirement.purpose_year,
        )
    if purpose == RetirementPurpose.EVENT.value:
        return _(
            "Your reductions from “%(scenario)s” helped %(org)s make the event “%(title)s” "
            "carbon-neutral.",
            scenario=scenario,
            org=org,
            title=_title(titles),
        )
    if purpose == RetirementPurpose.COMPENSATION.value:
        return _(
            "Your reductions from “%(scenario)s” helped %(org)s compensate for ecological "
            "damage in the case “%(title)s”.",
            scenario=scenario,
            org=org,
            title=_title(titles),
        )
    return _(
        "Your reductions from “%(scenario)s” helped %(org)s make a voluntary offset on behalf "
        "of %(beneficiary)s.",
        scenario=scenario,
        org=org,
        beneficiary=beneficiary,
    )


def retirement_labels() -> dict[str, Any]:
    """A context processor: purpose names and phrases for the templates."""
    return {
        "purpose_labels": PURPOSE_LABELS,
        "purpose_text": purpose_text,
        "trace_sentence": trace_sentence,
    }
