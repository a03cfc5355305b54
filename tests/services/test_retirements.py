"""Retiring held tonnes: every refusal writes nothing, a replayed token retires once, retired
blocks never move again, tonnes are conserved, and the purpose seam admits events and cases
only through a registered check."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.certificates.models import Certificate
from portal.certificates.reasons import ACCOUNT_DELETED
from portal.certificates.services import withdraw_holder_certificates
from portal.clock import local_today
from portal.db import session
from portal.errors import Conflict, DomainError, InvalidInput, NotAllowed
from portal.market import holdings, purposes, serials
from portal.market.holdings import Destination, Source
from portal.market.invariants import BLOCKS
from portal.market.models import BlockState, Retirement, SerialBlock
from portal.market.purposes import PurposeCheck, PurposeRequest
from portal.market.retirements import retire
from portal.market.verify import verify
from tests.factories import make_certificate, make_membership, make_org, make_user
from tests.factories.base import next_number, save
from tests.factories.registry import make_clean_batch
from tests.factories.retirements import make_holder, retire_args


def _state_tonnes(batch_id: int) -> dict[str, int]:
    rows = session().execute(
        select(SerialBlock.state, func.sum(SerialBlock.end_serial - SerialBlock.start_serial + 1))
        .where(SerialBlock.batch_id == batch_id)
        .group_by(SerialBlock.state)
    )
    return {state: int(total) for state, total in rows}


def test_retiring_moves_the_lowest_held_serials_and_issues_a_certificate(
    methodologies: dict[str, Any],
) -> None:
    org, buyer, batch = make_holder(6)
    done = retire(buyer, org.id, **retire_args(tonnes=4, purpose="operations", year=2025))
    assert (done.tonnes, done.purpose, done.purpose_year) == (4, "operations", 2025)
    blocks = session().scalars(select(SerialBlock).where(SerialBlock.retirement_id == done.id))
    assert [(b.start_serial, b.end_serial, b.state, b.holder_org_id) for b in blocks] == [
        (1, 4, "retired", org.id)
    ]
    assert _state_tonnes(batch.id) == {"retired": 4, "held": 2, "available": 4, "buffer": 1}
    cert = session().get(Certificate, done.certificate_id)
    assert cert is not None and cert.kind == "retirement" and cert.subject_id == buyer.id
    assert cert.details["serials"] == [serials.block_text(batch.label, 1, 4)]
    assert org.name_zh in cert.description_zh and org.name_en in cert.description_en
    assert "2025" in cert.description_en and done.code in cert.description_en


def test_the_same_token_retires_once(methodologies: dict[str, Any]) -> None:
    org, buyer, batch = make_holder(5)
    args = retire_args(tonnes=2)
    first = retire(buyer, org.id, **args)
    again = retire(buyer, org.id, **args)
    assert again.id == first.id
    assert session().scalar(select(func.count(Retirement.id))) == 1
    assert _state_tonnes(batch.id)["retired"] == 2
    with pytest.raises(Conflict):  # the same token by someone else is not a replay
        other = make_user()
        make_membership(other, org)
        retire(other, org.id, **args)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tonnes": 0}, "tonnes"),
        ({"tonnes": -1}, "tonnes"),
        ({"tonnes": 1.5}, "tonnes"),
        ({"tonnes": "2"}, "tonnes"),
        ({"tonnes": True}, "tonnes"),
        ({"purpose": "party"}, "purpose"),
        ({"purpose": "operations"}, "year"),
        ({"purpose": "operations", "year": local_today().year + 1}, "year"),
        ({"purpose": "event", "reference_id": 3}, "reference"),  # no such event
        ({"purpose": "compensation", "reference_id": 3}, "reference"),  # no such case
        ({"purpose": "event"}, "reference"),
        ({"beneficiary_zh": "  "}, "beneficiary_zh"),
        ({"beneficiary_en": ""}, "beneficiary_en"),
        ({"beneficiary_en": "x\u202ey"}, "beneficiary_en"),
        ({"form_token": "short"}, None),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(
    methodologies: dict[str, Any], change: dict[str, Any], field: str | None
) -> None:
    org, buyer, batch = make_holder(3)
    with pytest.raises(InvalidInput) as refused:
        retire(buyer, org.id, **retire_args(**change))
    assert refused.value.field == field
    assert session().scalar(select(func.count(Retirement.id))) == 0
    assert _state_tonnes(batch.id)["held"] == 3


def test_more_than_held_is_refused_and_nothing_moves(methodologies: dict[str, Any]) -> None:
    org, buyer, batch = make_holder(3)
    with pytest.raises(Conflict) as refused:
        retire(buyer, org.id, **retire_args(tonnes=4))
    assert refused.value.field == "tonnes"
    assert session().scalar(select(func.count(Retirement.id))) == 0
    assert session().scalar(select(func.count(Certificate.id))) == 0
    assert _state_tonnes(batch.id)["held"] == 3


def test_only_a_buyer_of_the_holder_retires_its_tonnes(methodologies: dict[str, Any]) -> None:
    org, _, batch = make_holder(3)
    _, other_buyer, _ = make_holder(2, batch=batch)
    court = make_org(kind="court")
    judge = make_user()
    make_membership(judge, court)
    school = make_org(kind="school")  # a member, but schools do not buy
    teacher = make_user()
    make_membership(teacher, school)
    for actor, holder in [
        (other_buyer, org.id),  # another organisation's holding
        (make_user(), org.id),  # not a member of anything
        (judge, org.id),  # a court official, with no case check registered
        (teacher, school.id),
    ]:
        with pytest.raises(NotAllowed):
            retire(actor, holder, **retire_args())
    assert _state_tonnes(batch.id)["held"] == 5


def test_retired_blocks_never_move_again_and_tonnes_are_conserved(
    methodologies: dict[str, Any],
) -> None:
    org, buyer, batch = make_holder(4)
    retire(buyer, org.id, **retire_args(tonnes=3))
    retire(buyer, org.id, **retire_args(tonnes=1))
    with pytest.raises(Conflict):
        retire(buyer, org.id, **retire_args(tonnes=1))
    with pytest.raises(ValueError):
        holdings.move(
            Source(BlockState.RETIRED, holder_org_id=org.id), 1, Destination(BlockState.HELD)
        )
    totals = _state_tonnes(batch.id)
    assert totals == {"retired": 4, "available": 6, "buffer": 1}
    assert sum(totals.values()) == batch.total_tonnes
    ranges = session().execute(
        select(SerialBlock.start_serial, SerialBlock.end_serial).where(
            SerialBlock.batch_id == batch.id
        )
    )
    assert serials.tiling_faults(batch.total_tonnes, [tuple(r) for r in ranges]) == []
    retired = session().scalars(select(Retirement).order_by(Retirement.id)).all()
    assert [r.tonnes for r in retired] == [3, 1]


def test_the_same_serials_are_never_retired_twice(methodologies: dict[str, Any]) -> None:
    """A second retirement finds nothing held, retired blocks never move (not even to
    retired), and a forged second retired block over the same serials is refused by the
    database (same first serial) or named by ``verify`` (an overlap), on both blocks."""
    org, buyer, batch = make_holder(3, batch=make_clean_batch())
    first = retire(buyer, org.id, **retire_args(tonnes=3))
    with pytest.raises(Conflict):
        retire(buyer, org.id, **retire_args(tonnes=1))
    again = Destination(BlockState.RETIRED, holder_org_id=org.id, retirement_id=first.id)
    with pytest.raises(ValueError):
        holdings.move(Source(BlockState.RETIRED, holder_org_id=org.id), 1, again)
    (block,) = session().scalars(select(SerialBlock).where(SerialBlock.retirement_id == first.id))
    assert (block.start_serial, block.end_serial) == (1, 3)
    assert verify().ok

    second = save(
        Retirement(
            code=f"R{next_number()}",
            holder_org_id=org.id,
            retired_by_id=buyer.id,
            tonnes=2,
            purpose="voluntary",
            beneficiary_zh="受益方",
            beneficiary_en="Beneficiary",
            idempotency_key=f"retire-{next_number()}",
        )
    )
    forged = {"batch_id": batch.id, "state": "retired", "holder_org_id": org.id}
    with pytest.raises(IntegrityError), session().begin_nested():
        session().add(SerialBlock(**forged, start_serial=1, end_serial=3, retirement_id=second.id))
    overlap = save(SerialBlock(**forged, start_serial=2, end_serial=3, retirement_id=second.id))
    faults = [(f.row_id, f.invariant, f.what) for f in verify().faults if f.table == BLOCKS]
    assert (
        overlap.id,
        2,
        f"batch #{batch.id}, serials 2-3: overlap 2-3 with the blocks before it",
    ) in faults
    assert (
        block.id,
        2,
        f"batch #{batch.id}, serials 1-3: overlap 2-3 with the next block",
    ) in faults


def test_a_registered_check_opens_a_purpose_and_may_admit_a_court_official(
    methodologies: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    org, _, batch = make_holder(5)
    court = make_org(kind="court")
    judge = make_user()
    make_membership(judge, court)
    seen: list[PurposeRequest] = []
    fulfilled: list[int] = []

    def check(request: PurposeRequest) -> None:
        seen.append(request)
        if request.reference_id != 7:
            raise InvalidInput("no such case", field="reference")
        if not request.actor_is_buyer and request.actor.id != judge.id:
            raise NotAllowed("not the case's court")

    monkeypatch.setitem(
        purposes.PURPOSE_CHECKS,
        "compensation",
        PurposeCheck(
            check=check,
            titles=lambda ref: ("松花江非法捕捞案", "Songhua River illegal fishing case"),
            after=lambda retirement: fulfilled.append(retirement.id),
            admits_non_members=True,
        ),
    )
    with pytest.raises(DomainError):
        retire(judge, org.id, **retire_args(purpose="compensation", reference_id=8))
    done = retire(judge, org.id, **retire_args(purpose="compensation", reference_id=7, tonnes=2))
    assert (done.case_id, done.event_id, done.holder_org_id) == (7, None, org.id)
    assert fulfilled == [done.id] and seen[-1].actor_is_buyer is False
    cert = session().get(Certificate, done.certificate_id)
    assert cert is not None and "松花江非法捕捞案" in cert.description_zh
    assert purposes.reference_titles(done) == (
        "松花江非法捕捞案",
        "Songhua River illegal fishing case",
    )
    with pytest.raises(NotAllowed):  # an event check that admits only members
        monkeypatch.setitem(
            purposes.PURPOSE_CHECKS,
            "event",
            PurposeCheck(check=lambda r: None, titles=lambda r: None),
        )
        retire(judge, org.id, **retire_args(purpose="event", reference_id=7))
    assert _state_tonnes(batch.id)["retired"] == 2


def test_a_retirement_certificate_stays_valid_when_its_holder_leaves(
    methodologies: dict[str, Any],
) -> None:
    org, buyer, _ = make_holder(2)
    done = retire(buyer, org.id, **retire_args())
    make_certificate(buyer)  # any other certificate of theirs is withdrawn
    assert withdraw_holder_certificates(buyer.id, alias="已注销用户", reason=ACCOUNT_DELETED) == 1
    cert = session().get(Certificate, done.certificate_id)
    assert cert is not None and not cert.is_revoked and cert.subject_alias == "已注销用户"
