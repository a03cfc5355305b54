"""What the retire form offers one organisation: its purposes, its events that have a
footprint still to cover and the open cases it may retire for, each with the tonnes still
needed (the default tonnes when a link preselects one)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Organisation
from portal.blueprints.retire.forms import RetireForm, purpose_choices
from portal.market import retirement_queries as queries
from portal.market.cases import queries as case_queries
from portal.market.events import queries as event_queries
from portal.market.models import RetirementPurpose
from portal.web.i18n import localized


@dataclass(frozen=True)
class Choices:
    purposes: list[tuple[str, str]]
    events: dict[str, tuple[str, int]]  # event id → (label, tonnes still needed)
    cases: dict[str, tuple[str, int]]  # case id → (label, tonnes still needed)


def _needed(tonnes: int) -> str:
    return _("%(tonnes)s t still needed", tonnes=f"{tonnes:,}")


def choices_for(org: Organisation) -> Choices:
    buyer = queries.is_buyer_of(current_user.id, org.id)
    events = {
        str(event.id): (f"{localized(event, 'title')} · {_needed(tonnes)}", tonnes)
        for event, tonnes in (event_queries.events_needing_tonnes(org.id) if buyer else [])
    }
    cases = {
        str(case.id): (
            f"{case.case_number} · {localized(case, 'public_defendant')} · {_needed(tonnes)}",
            tonnes,
        )
        for case, tonnes in case_queries.cases_needing_tonnes(org.id)
    }
    return Choices(
        purpose_choices(buyer=buyer, events=bool(events), cases=bool(cases)), events, cases
    )


def offer(form: RetireForm, choices: Choices) -> RetireForm:
    form.offer(
        choices.purposes,
        [(key, label) for key, (label, _tonnes) in choices.events.items()],
        [(key, label) for key, (label, _tonnes) in choices.cases.items()],
    )
    return form


def preselect(form: RetireForm, choices: Choices) -> None:
    """On a fresh form: the purpose, event or case a link names (``?purpose=event&event=3``),
    with the tonnes still needed."""
    purpose = request.args.get("purpose", "")
    if purpose not in {value for value, _label in choices.purposes}:
        return
    form.purpose.data = purpose
    chosen, field = (
        (choices.cases, form.case)
        if purpose == RetirementPurpose.COMPENSATION
        else (choices.events, form.event)
    )
    key = request.args.get(field.name, "")
    if key in chosen:
        field.data = key
        form.tonnes.data = str(chosen[key][1])
