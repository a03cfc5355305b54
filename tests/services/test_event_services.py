"""Events: recording and editing (audited, organisers only), versioned footprints with their
inputs and factors, linked offers, neutrality once retired tonnes cover the footprint (and not
before), the certificate issued once, and the retirement seam's refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import AuditEvent
from portal.certificates.models import Certificate, CertificateKind
from portal.errors import Conflict, InvalidInput, NotAllowed
from portal.market.events import queries, services
from tests import factories
from tests.factories.market import make_issued_batch


@pytest.fixture
def organiser(db: Any) -> Any:
    return factories.make_organiser()


def _footprint(user: Any, event_id: int, **inputs: str) -> Any:
    return services.calculate_footprint(actor=user, event_id=event_id, inputs=inputs)


def test_an_organiser_records_and_edits_an_event_audited(organiser: Any, db: Any) -> None:
    user, org = organiser
    event = factories.make_event(user, org)
    services.update_event(
        actor=user, event_id=event.id, fields=factories.event_fields(attendees=20_000)
    )
    assert queries.get_event(event.id).attendees == 20_000  # type: ignore[union-attr]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "event")
    ).all()
    assert actions == ["event.created", "event.edited"]


def test_only_an_event_organiser_records_events(organiser: Any, db: Any) -> None:
    _user, org = organiser
    stranger = factories.make_user()
    with pytest.raises(NotAllowed):
        factories.make_event(stranger, org)
    enterprise_buyer = factories.make_user_with_role(factories.Role.BUYER)
    with pytest.raises(NotAllowed):
        factories.make_event(enterprise_buyer, org)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "party"}, "kind"),
        ({"city_code": "110000"}, "city_code"),
        ({"attendees": 0}, "attendees"),
        ({"attendees": 1_000_001}, "attendees"),
        ({"title_zh": " "}, "title_zh"),
    ],
)
def test_bad_event_fields_are_refused(organiser: Any, fields: dict, field: str) -> None:
    user, org = organiser
    with pytest.raises(InvalidInput) as refused:
        factories.make_event(user, org, **fields)
    assert refused.value.field == field


def test_dates_must_be_in_order(organiser: Any) -> None:
    user, org = organiser
    fields = factories.event_fields()
    with pytest.raises(InvalidInput) as refused:
        factories.make_event(user, org, starts_on=fields.ends_on.replace(day=18))
    assert refused.value.field == "ends_on"


def test_footprints_are_versioned_with_inputs_and_factors(organiser: Any) -> None:
    user, org = organiser
    event = factories.make_event(user, org, attendees=100)
    first = _footprint(user, event.id, electricity_kwh="1000")
    second = _footprint(user, event.id, electricity_kwh="1000", meals="3")
    assert (first.version, second.version) == (1, 2)
    assert first.total_grams == 467_100 and first.tonnes == 1
    assert first.inputs["electricity_kwh"] == "1000"
    assert first.factors["electricity_kwh"]["value"] == "0.4671"
    assert second.lines["meals"] == 9_276
    assert queries.latest_footprint(event.id).id == second.id  # type: ignore[union-attr]


def test_an_implausible_input_is_refused_and_nothing_is_saved(organiser: Any) -> None:
    user, org = organiser
    event = factories.make_event(user, org, attendees=100)
    with pytest.raises(InvalidInput) as refused:
        _footprint(user, event.id, meals="90001")
    assert refused.value.field == "meals"
    assert queries.latest_footprint(event.id) is None


def test_too_little_retired_is_not_neutral_exactly_enough_is(
    organiser: Any, methodologies: Any, db: Any
) -> None:
    user, org = organiser
    make_issued_batch(issued_tonnes=10)
    event = factories.make_event(user, org, attendees=1000)
    row = _footprint(user, event.id, electricity_kwh="6000")  # 2,802.6 kg -> 3 t
    assert row.tonnes == 3
    factories.retire_for_event(org, user, event.id, 2)
    assert queries.retired_tonnes(event.id) == 2
    assert not queries.is_neutral(event)
    assert services.mark_neutral_if_covered(event.id) is None
    assert event.neutral_at is None
    factories.retire_for_event(org, user, event.id, 1)
    assert queries.is_neutral(event)
    cert = services.mark_neutral_if_covered(event.id)
    assert cert is not None and cert.kind == CertificateKind.EVENT_NEUTRALITY.value
    assert (cert.holder_name("zh"), cert.holder_name("en")) == (org.name_zh, org.name_en)
    assert services.mark_neutral_if_covered(event.id).id == cert.id  # type: ignore[union-attr]
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert queries.get_event(event.id).neutral_at is not None  # type: ignore[union-attr]
    assert queries.neutral_event_ids([event.id]) == {event.id}
    with pytest.raises(Conflict):
        _footprint(user, event.id, electricity_kwh="1")
    with pytest.raises(Conflict):
        services.update_event(actor=user, event_id=event.id, fields=factories.event_fields())


def test_other_purposes_do_not_count(organiser: Any, methodologies: Any) -> None:
    user, org = organiser
    make_issued_batch(issued_tonnes=5)
    event = factories.make_event(user, org)
    retirement = factories.retire_for_event(org, user, event.id, 2)
    retirement.purpose = "voluntary"
    factories.session().commit()
    assert queries.retired_tonnes(event.id) == 0


def test_the_retirement_seam(organiser: Any) -> None:
    user, org = organiser
    event = factories.make_event(user, org)
    other_user, other_org = factories.make_organiser()
    assert services.check_event_retirement(user, org.id, 999_999) == services.EVENT_NOT_FOUND
    assert services.check_event_retirement(other_user, other_org.id, event.id) == (
        services.EVENT_NOT_YOURS
    )
    assert services.check_event_retirement(user, org.id, event.id) == services.EVENT_NO_FOOTPRINT
    _footprint(user, event.id, meals="10")
    assert services.check_event_retirement(user, org.id, event.id) is None


def test_linking_published_offers(organiser: Any, tmp_path: Path) -> None:
    user, org = organiser
    event = factories.make_event(user, org)
    merchant, staff = factories.make_merchant()
    offer = factories.make_published_offer(merchant, staff, tmp_path)
    draft = factories.make_offer(merchant, staff, tmp_path)
    services.link_offer(actor=user, event_id=event.id, offer_id=offer.id)
    assert [o.id for o, _ in queries.linked_offers(event.id)] == [offer.id]
    with pytest.raises(Conflict):
        services.link_offer(actor=user, event_id=event.id, offer_id=offer.id)
    with pytest.raises(InvalidInput):
        services.link_offer(actor=user, event_id=event.id, offer_id=draft.id)
    services.unlink_offer(actor=user, event_id=event.id, offer_id=offer.id)
    assert queries.linked_offers(event.id) == []


def test_the_demo_marathon_has_a_footprint_and_an_offer(db: Any, tmp_path: Path) -> None:
    from portal.demo import seed_demo
    from portal.demo.events import seed_events

    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    event = seed_events()  # a second run changes nothing
    assert event.title_zh == "长春马拉松"
    assert [f.version for f in queries.list_footprints(event.id)] == [1]
    assert queries.latest_footprint(event.id).tonnes > 0  # type: ignore[union-attr]
    assert len(queries.linked_offers(event.id)) == 1


def test_an_empty_footprint_is_refused(organiser: Any) -> None:
    user, org = organiser
    event = factories.make_event(user, org)
    with pytest.raises(InvalidInput):
        _footprint(user, event.id, meals="0", waste_kg="")
    assert queries.latest_footprint(event.id) is None
    assert not queries.is_neutral(event)
