"""The ``compensation`` purpose of retiring (``portal.market.purposes``): the defendant's
organisation retires for its case, or the recording court or procuratorate retires tonnes it
holds on the defendant's behalf (its officials are no buyers, hence ``admits_non_members``);
the same transaction marks the case fulfilled once its retirements cover the required tonnes
(DESIGN.md §7 invariant 8)."""

from __future__ import annotations

from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.market.cases import queries
from portal.market.cases.rules import RETIREMENT_REFUSALS
from portal.market.cases.services import check_case_retirement, settle_case
from portal.market.models import Retirement, RetirementPurpose
from portal.market.purposes import PurposeCheck, PurposeRequest, register_purpose_check

_REFUSAL_KINDS = {"case_not_found": InvalidInput, "case_fulfilled": Conflict}


def _check(request: PurposeRequest) -> None:
    case = queries.lock_case(request.reference_id)  # the row the decision reads
    code = check_case_retirement(request.actor, request.holder_org_id, request.reference_id)
    if code is None and case is not None and not request.actor_is_buyer:
        # Who is no buyer of the holder retires only as the case's own court.
        code = None if request.holder_org_id == case.org_id else "not_holder_member"
    if code is None:
        return
    refusal = _REFUSAL_KINDS.get(code, NotAllowed)
    raise refusal(RETIREMENT_REFUSALS[code], field="reference")


def _titles(case_id: int) -> tuple[str, str] | None:
    case = queries.get_case(case_id)
    return None if case is None else (case.case_number, case.case_number)


def _after(retirement: Retirement) -> None:
    assert retirement.case_id is not None
    settle_case(retirement.case_id)


register_purpose_check(
    RetirementPurpose.COMPENSATION,
    PurposeCheck(check=_check, titles=_titles, after=_after, admits_non_members=True),
)
