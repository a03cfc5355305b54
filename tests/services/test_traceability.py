"""A citizen's trace: the batches their contributions went into and the retirements of those
batches' serials, computed from the rows; the public attribution counts each citizen once."""

from __future__ import annotations

from typing import Any

from portal.market import retirement_queries
from portal.market.models import Batch
from portal.market.retirements import retire
from portal.market.traceability import list_batch_traces
from tests.factories import make_user
from tests.factories.market import make_issued_batch
from tests.factories.retirements import add_contribution, make_holder, retire_args


def test_two_citizens_and_two_batches(methodologies: dict[str, Any]) -> None:
    walking = make_issued_batch(issued_tonnes=10, code="JLCH-TR-001", vintage=202609)
    cycling = make_issued_batch(issued_tonnes=10, code="JLCH-TR-003", vintage=202610)
    ana, bo = make_user(), make_user()
    add_contribution(walking, ana, 400_000)
    add_contribution(walking, ana, 100_000)
    add_contribution(walking, bo, 700_000)
    add_contribution(cycling, bo, 900_000)
    org, buyer, _ = make_holder(4, batch=walking)
    make_holder(3, batch=cycling, org=org)
    done = retire(buyer, org.id, **retire_args(tonnes=5, purpose="operations", year=2026))

    _, ana_traces = list_batch_traces(ana.id)
    assert [(t.batch.id, t.grams) for t in ana_traces] == [(walking.id, 500_000)]
    (only,) = ana_traces[0].retirements
    assert (only.retirement.id, only.organisation.id, only.tonnes) == (done.id, org.id, 4)

    _, bo_traces = list_batch_traces(bo.id)
    assert [(t.batch.id, t.grams) for t in bo_traces] == [
        (cycling.id, 900_000),
        (walking.id, 700_000),
    ]
    assert [r.tonnes for r in bo_traces[0].retirements] == [1]

    page = retirement_queries.get_retirement_page(done)
    assert page.citizens == 2  # bo contributed to both batches: counted once
    assert [m.code for m in page.methodologies] == ["JLCH-TR-001", "JLCH-TR-003"]
    assert [b.tonnes for b in page.blocks] == [4, 1]


def test_a_citizen_with_nothing_pooled_has_no_trace_and_an_unissued_batch_shows(
    methodologies: dict[str, Any],
) -> None:
    citizen = make_user()
    assert list_batch_traces(citizen.id)[1] == []
    proposed = make_issued_batch(status="proposed")
    add_contribution(proposed, citizen, 1_000)
    (trace,) = list_batch_traces(citizen.id)[1]
    assert isinstance(trace.batch, Batch) and not trace.is_issued and trace.retirements == []
