"""Pooling saleable reductions into draft batches, and the four-eyes issue of a batch: each
contribution in one batch, reruns pool nothing twice, carry claimed once, duties separated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.db import session
from portal.errors import InvalidInput, NotAllowed
from portal.market import services
from portal.market.models import Batch, Contribution, SampleItem, SerialBlock
from portal.market.pooling import pool_reductions
from portal.market.review_queries import sample_contribution_ids
from portal.market.sampling import redraw_sample
from tests import factories
from tests.factories.pooling import add_saleable

CODE = "JLCH-TR-006"
OCTOBER = datetime(2026, 10, 15, 2, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 15, 2, tzinfo=UTC)
# 23:30 on 31 October in Beijing is still October's; 00:30 on 1 November is November's.
LAST_OCTOBER_MINUTE = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)
FIRST_NOVEMBER_MINUTE = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)


def _pool(now: datetime = datetime(2026, 11, 9, tzinfo=UTC), **settings: int) -> Any:
    return pool_reductions(
        now=now, delay_days=settings.get("delay", 7), buffer_bp=settings.get("bp", 500)
    )


def _batches() -> list[Batch]:
    return list(session().scalars(select(Batch).order_by(Batch.id)))


@pytest.fixture
def officials() -> list[Any]:
    return [factories.make_user_with_role(Role.OFFICIAL) for _ in range(3)]


def _carry_through(batch: Batch, officials: list[Any]) -> Batch:
    first, second, third = officials
    for item in session().scalars(select(SampleItem).where(SampleItem.batch_id == batch.id)):
        services.review_item(actor=first, batch_id=batch.id, item_id=item.id, passed=True)
    services.complete_review(actor=first, batch_id=batch.id)
    services.verify_batch(actor=second, batch_id=batch.id)
    return services.issue_batch(actor=third, batch_id=batch.id)


def test_a_month_is_pooled_once_with_its_arithmetic_and_sample(
    methodologies: dict[str, Any],
) -> None:
    citizens = [factories.make_user() for _ in range(3)]
    for citizen in citizens:
        add_saleable(citizen, methodologies[CODE], OCTOBER, [400_000, 300_000])
    add_saleable(citizens[0], methodologies[CODE], LAST_OCTOBER_MINUTE, [100_000])
    add_saleable(citizens[0], methodologies[CODE], FIRST_NOVEMBER_MINUTE, [5_000_000])
    add_saleable(citizens[1], methodologies[CODE], OCTOBER, [900_000], is_saleable=False)
    add_saleable(citizens[1], methodologies[CODE], OCTOBER, [900_000], reversed_at=NOVEMBER)

    report = _pool()
    assert (report.batches, report.contributions, report.tonnes) == (1, 7, 2)
    (batch,) = _batches()
    assert (batch.vintage, batch.batch_no, batch.status) == (202610, 1, "proposed")
    assert (batch.contributed_grams, batch.pooled_grams, batch.carry_in_grams) == (
        2_200_000,
        2_200_000,
        0,
    )
    assert (batch.total_tonnes, batch.buffer_tonnes, batch.issued_tonnes) == (2, 1, 1)
    assert batch.carry_out_grams == 200_000 and batch.contributor_count == 3
    ids = session().scalars(select(Contribution.id).where(Contribution.batch_id == batch.id))
    assert batch.sample_size == 7
    assert redraw_sample(batch.sample_seed, ids) == sample_contribution_ids(batch.id)

    assert _pool().batches == 0  # the rerun: nothing new, and the batch is undecided
    assert session().scalar(select(func.count()).select_from(Contribution)) == 7


def test_a_month_waits_for_its_late_data_and_for_a_whole_tonne(
    methodologies: dict[str, Any],
) -> None:
    citizen = factories.make_user()
    add_saleable(citizen, methodologies[CODE], OCTOBER, [600_000])
    assert _pool(now=datetime(2026, 11, 5, tzinfo=UTC), delay=7).batches == 0
    assert _pool().batches == 0  # ready, but under a tonne
    add_saleable(citizen, methodologies[CODE], OCTOBER, [600_000])
    assert _pool().batches == 1


def test_the_carry_is_claimed_once_and_a_rejected_batch_passes_its_own_on(
    methodologies: dict[str, Any], officials: list[Any]
) -> None:
    citizen = factories.make_user()
    add_saleable(citizen, methodologies[CODE], OCTOBER, [1_700_000])
    add_saleable(citizen, methodologies[CODE], NOVEMBER, [1_500_000])
    add_saleable(citizen, methodologies[CODE], datetime(2026, 12, 10, tzinfo=UTC), [1_000_000])
    later = datetime(2027, 1, 20, tzinfo=UTC)

    assert _pool(now=later).batches == 1  # October only: one undecided batch per methodology
    october = _carry_through(_batches()[0], officials)
    assert october.carry_out_grams == 700_000 and len(october.label) > 0

    assert _pool(now=later).batches == 1
    november = _batches()[1]
    assert (november.vintage, november.carry_in_grams, november.total_tonnes) == (
        202611,
        700_000,
        2,
    )
    first, second, _third = officials
    for item in session().scalars(select(SampleItem).where(SampleItem.batch_id == november.id)):
        services.review_item(actor=first, batch_id=november.id, item_id=item.id, passed=True)
    services.complete_review(actor=first, batch_id=november.id)
    services.reject_batch(actor=second, batch_id=november.id, reason="records_doubtful")

    assert _pool(now=later).batches == 1
    december = _batches()[2]
    assert december.carry_in_grams == 700_000  # November's claim, not its leftover
    assert december.pooled_grams == 1_700_000


def test_duties_are_separated_and_each_step_happens_once(
    methodologies: dict[str, Any], officials: list[Any]
) -> None:
    add_saleable(factories.make_user(), methodologies[CODE], OCTOBER, [600_000, 600_000])
    _pool()
    (batch,) = _batches()
    first, second, third = officials
    items = list(session().scalars(select(SampleItem).where(SampleItem.batch_id == batch.id)))

    with pytest.raises(InvalidInput):
        services.review_item(actor=first, batch_id=batch.id, item_id=items[0].id, passed=False)
    services.review_item(actor=first, batch_id=batch.id, item_id=items[0].id, passed=True)
    with pytest.raises(NotAllowed):  # the review is the first reviewer's
        services.review_item(actor=second, batch_id=batch.id, item_id=items[1].id, passed=True)
    with pytest.raises(InvalidInput):  # a record is still pending
        services.complete_review(actor=first, batch_id=batch.id)
    with pytest.raises(NotAllowed):  # not sampled yet
        services.verify_batch(actor=second, batch_id=batch.id)
    services.review_item(actor=first, batch_id=batch.id, item_id=items[1].id, passed=True)
    services.complete_review(actor=first, batch_id=batch.id)

    with pytest.raises(NotAllowed):
        services.verify_batch(actor=first, batch_id=batch.id)
    with pytest.raises(NotAllowed):  # nor reject it at the step that is not theirs
        services.reject_batch(actor=first, batch_id=batch.id, reason="other")
    services.verify_batch(actor=second, batch_id=batch.id)
    with pytest.raises(NotAllowed):
        services.reject_batch(actor=second, batch_id=batch.id, reason="other")
    for official in (first, second):
        with pytest.raises(NotAllowed):
            services.issue_batch(actor=official, batch_id=batch.id)
    with pytest.raises(NotAllowed):
        services.issue_batch(actor=factories.make_user(), batch_id=batch.id)
    services.issue_batch(actor=third, batch_id=batch.id)
    with pytest.raises(NotAllowed):
        services.issue_batch(actor=third, batch_id=batch.id)
    blocks = session().scalars(select(SerialBlock).where(SerialBlock.batch_id == batch.id))
    assert sorted((b.start_serial, b.end_serial, b.state) for b in blocks) == [(1, 1, "buffer")]


def test_a_failed_record_rejects_the_batch(
    methodologies: dict[str, Any], officials: list[Any]
) -> None:
    add_saleable(factories.make_user(), methodologies[CODE], OCTOBER, [1_200_000])
    _pool()
    (batch,) = _batches()
    (item,) = session().scalars(select(SampleItem).where(SampleItem.batch_id == batch.id))
    services.review_item(
        actor=officials[0], batch_id=batch.id, item_id=item.id, passed=False, reason="duplicate"
    )
    services.complete_review(actor=officials[0], batch_id=batch.id)
    assert (batch.status, batch.rejection_reason, batch.sample_failed) == (
        "rejected",
        "sample_failed",
        1,
    )
    with pytest.raises(NotAllowed):
        services.reject_batch(actor=officials[1], batch_id=batch.id, reason="other")
