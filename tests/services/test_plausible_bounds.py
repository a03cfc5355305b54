"""Issue 11 item 2: every record parameter has a plausible range and every filed version a
grams cap; the seed brings both (and item 5's checked factor data) as version 2, never by
editing version 1."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.activities.intake import partner_records
from portal.activities.intake.records import RecordInput
from portal.activities.models import BehaviorRecord, Channel, RecordStatus, Reduction
from portal.activities.quantify import quantify_pending
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import InvalidInput
from portal.ledger.queries import get_balance
from portal.methodology import queries, services
from portal.methodology.models import Methodology, MethodologyVersion
from portal.methodology.seed_specs import DATA_DIR, get_spec, load_specs
from portal.methodology.versions import definition_from_spec
from tests import factories
from tests.factories import make_draft

GRID = "JLCH-HS-003"
NOW = factories.NOW


def _meter_day(user_ref: str, baseline: str, at: Any, external_id: str) -> RecordInput:
    return RecordInput(
        methodology_code=GRID,
        quantity=Decimal("5"),
        unit="kWh",
        occurred_at=at,
        ended_at=None,
        parameters={"baseline_kwh": baseline},
        external_id=external_id,
        user_ref=user_ref,
    )


def _send(partner: Any, item: RecordInput, now: Any) -> Any:
    (outcome,) = partner_records.submit_partner_records(
        partner_id=partner.id, items=[item], channel=Channel.PARTNER_API, now=now
    )
    return outcome


@pytest.mark.parametrize("after_version_2", [False, True])
def test_a_baseline_of_1e9_kwh_is_flagged_for_review_and_never_credited(
    db: Any, methodologies: Any, after_version_2: bool
) -> None:
    # The record: 5 kWh against a 1e9 kWh baseline was credited 140,130,000,000 g.
    # Before version 2 took effect version 1 is in force, which declares no range: the record
    # is screened against version 2's.
    user = factories.make_user()
    partner = factories.make_partner([GRID])
    factories.link(partner, user, "meter-1")
    now = utcnow() + timedelta(minutes=1) if after_version_2 else NOW
    at = utcnow() if after_version_2 else NOW - timedelta(hours=2)
    outcome = _send(partner, _meter_day("meter-1", "1e9", at, "m-1"), now)
    assert outcome.status == "accepted" and outcome.flags == ["parameter_out_of_range"]
    record = db.session.get(BehaviorRecord, outcome.record_id)
    assert record.status == RecordStatus.FLAGGED
    quantify_pending(points_per_kg=1000)
    assert db.session.scalar(select(func.count(Reduction.id))) == 0
    assert get_balance(user.id) == 0


def test_a_plausible_baseline_is_credited_within_the_grams_cap(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    partner = factories.make_partner([GRID])
    factories.link(partner, user, "meter-2")
    outcome = _send(partner, _meter_day("meter-2", "20", utcnow(), "m-2"), utcnow())
    assert outcome.status == "accepted" and outcome.flags == []
    quantify_pending(points_per_kg=1000)
    (reduction,) = db.session.scalars(select(Reduction))
    # min(20 - 5, 0.3 x 20) = 6 kWh x 0.4671 kg/kWh
    assert reduction.net_grams == 2802


def test_filing_refuses_a_version_without_a_grams_cap(db: Any, methodologies: Any) -> None:
    definition = definition_from_spec(get_spec("JLCH-TR-003"))
    definition["caps"]["day"]["grams"] = None  # 20 km a day is left, but no grams
    developer = factories.make_user_with_role(factories.Role.DEVELOPER)
    draft = make_draft(developer, definition=definition)
    services.submit(actor=developer, methodology_id=draft.id)
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    services.review(actor=official, methodology_id=draft.id, action="start_review")
    with pytest.raises(InvalidInput, match="cap in grams"):
        services.review(
            actor=official,
            methodology_id=draft.id,
            action="file",
            effective_from=utcnow() + timedelta(days=1),
        )
    db.session.refresh(draft)
    assert draft.status == "under_review" and not draft.versions[-1].is_filed
    cycling = methodologies["JLCH-TR-003"]
    with pytest.raises(InvalidInput, match="cap in grams"):
        services.publish_version(
            actor=official,
            methodology_id=cycling.id,
            definition=definition,
            effective_from=utcnow() + timedelta(days=1),
            change_note="no grams cap",
            is_saleable=True,
        )


def test_filing_refuses_a_record_value_without_a_plausible_range(
    db: Any, methodologies: Any
) -> None:
    definition = definition_from_spec(get_spec(GRID))
    definition["parameters"][0]["plausible_max"] = None
    with pytest.raises(InvalidInput, match="largest plausible value"):
        services.publish_version(
            actor=factories.make_user_with_role(factories.Role.OFFICIAL),
            methodology_id=methodologies[GRID].id,
            definition=definition,
            effective_from=utcnow() + timedelta(days=1),
            change_note="no range",
            is_saleable=True,
        )


def _frozen() -> dict[str, Any]:
    with (DATA_DIR / "filed_v1.json").open(encoding="utf-8") as handle:
        frozen: dict[str, Any] = json.load(handle)
    return frozen


def test_the_seed_files_version_2_and_leaves_version_1_as_it_was(
    db: Any, methodologies: Any
) -> None:
    frozen = _frozen()
    for code, methodology in methodologies.items():
        first, second = methodology.versions
        assert first.definition == frozen[code]["definition"] and first.effective_to is not None
        assert second.definition == definition_from_spec(get_spec(code))
        assert second.effective_from == first.effective_to and second.effective_to is None
        assert second.created_by_id is None and second.is_filed
    metro = methodologies["JLCH-TR-008"]
    assert metro.versions[0].definition["factors"][0]["value"] == "0.0468"
    assert metro.versions[1].definition["factors"][0]["value"] == "0.0467"
    assert queries.get_version_in_force(metro.id, utcnow()).version_no == 2
    assert queries.get_version_in_force(metro.id, NOW).version_no == 1
    assert services.seed_filed_methodologies() == 0  # idempotent


def test_an_existing_database_at_version_1_gets_version_2_only(db: Any) -> None:
    # A database seeded before this change holds version 1 only.
    with transaction():
        for spec in load_specs():
            services._seed_version_1(spec)
    before = {v.id: dict(v.definition) for v in db.session.scalars(select(MethodologyVersion))}
    assert services.seed_filed_methodologies() == 22
    assert services.seed_filed_methodologies() == 0
    db.session.expire_all()
    for version_id, definition in before.items():
        assert db.session.get(MethodologyVersion, version_id).definition == definition
    counts = db.session.execute(
        select(Methodology.code, func.count(MethodologyVersion.id))
        .join(MethodologyVersion)
        .group_by(Methodology.code)
    )
    assert {count for _code, count in counts} == {2}


def test_an_officials_own_version_is_not_overtaken_by_the_seed(db: Any, methodologies: Any) -> None:
    cycling = methodologies["JLCH-TR-003"]
    definition = dict(cycling.versions[-1].definition)
    definition["notes"] = "An official's own wording."
    services.publish_version(
        actor=factories.make_user_with_role(factories.Role.OFFICIAL),
        methodology_id=cycling.id,
        definition=definition,
        effective_from=utcnow() + timedelta(days=1),
        change_note="官方修订",
        is_saleable=True,
    )
    assert services.seed_filed_methodologies() == 0
    db.session.refresh(cycling)
    assert [v.version_no for v in cycling.versions] == [1, 2, 3]
