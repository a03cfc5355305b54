"""The ``event`` purpose of retiring (``portal.market.purposes``): only the organiser's own
organisation retires for one of its events that has a footprint; once the tonnes retired for
the event reach its latest footprint, the same transaction marks it 碳中和 and issues its
neutrality certificate (DESIGN.md §7 invariant 8)."""

from __future__ import annotations

from portal.errors import InvalidInput, NotAllowed
from portal.market.events import queries
from portal.market.events.services import (
    EVENT_NOT_FOUND,
    RETIREMENT_REFUSALS,
    check_event_retirement,
    mark_neutral_if_covered,
)
from portal.market.models import Retirement, RetirementPurpose
from portal.market.purposes import PurposeCheck, PurposeRequest, register_purpose_check


def _check(request: PurposeRequest) -> None:
    queries.get_event(request.reference_id, for_update=True)  # the row the decision reads
    code = check_event_retirement(request.actor, request.holder_org_id, request.reference_id)
    if code is None:
        return
    refusal = InvalidInput if code == EVENT_NOT_FOUND else NotAllowed
    raise refusal(RETIREMENT_REFUSALS[code], field="reference")


def _titles(event_id: int) -> tuple[str, str] | None:
    event = queries.get_event(event_id)
    return None if event is None else (event.title_zh, event.title_en)


def _after(retirement: Retirement) -> None:
    assert retirement.event_id is not None
    mark_neutral_if_covered(retirement.event_id)


register_purpose_check(
    RetirementPurpose.EVENT, PurposeCheck(check=_check, titles=_titles, after=_after)
)
