"""Event pages: the public list and event page in both languages (footprint chart and table,
factor sources, tonnes required and retired, the neutral badge and certificate link, linked
offers), and the organiser's forms with their refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from portal.blueprints.events.forms import FACTOR_UNIT_LABELS
from portal.market.events import footprint, queries, services
from tests import factories
from tests.factories.market import make_issued_batch
from tests.web.test_merchant_pages import EN, ZH, english_sentences


def _event_with_footprint(tonnes_retired: int = 0) -> tuple[Any, Any, Any]:
    user, org = factories.make_organiser()
    event = factories.make_event(user, org, attendees=1000)
    services.calculate_footprint(
        actor=user, event_id=event.id, inputs={"electricity_kwh": "6000", "meals": "2000"}
    )
    if tonnes_retired:
        factories.retire_for_event(org, user, event.id, tonnes_retired)
        services.mark_neutral_if_covered(event.id)
    return user, org, event


def test_public_pages_in_both_languages(
    client: FlaskClient, methodologies: Any, tmp_path: Path, db: Any
) -> None:
    make_issued_batch(issued_tonnes=20)
    user, _org, event = _event_with_footprint(tonnes_retired=9)  # 2.8026 t + 6.184 t -> 9 t
    merchant, staff = factories.make_merchant()
    offer = factories.make_published_offer(merchant, staff, tmp_path)
    services.link_offer(actor=user, event_id=event.id, offer_id=offer.id)
    listing = client.get("/events", headers=ZH)
    assert listing.status_code == 200 and "长春马拉松" in listing.text and "碳中和" in listing.text
    assert not english_sentences(listing.text)
    page = client.get(f"/events/{event.id}", headers=ZH)
    assert page.status_code == 200
    assert "<svg" in page.text and "8,986,600" in page.text
    assert "生态环境部" in page.text and "0.4671" in page.text
    assert "3.092 千克二氧化碳当量/份" in page.text and "passenger-km" not in page.text
    assert f"/mall/offers/{offer.id}" in page.text
    assert "/verify/" in page.text  # the neutrality certificate
    assert not english_sentences(page.text)
    english = client.get(f"/events/{event.id}", headers=EN)
    assert "Changchun Marathon" in english.text and "Carbon neutral" in english.text
    assert "3.092 kg CO₂e/meal" in english.text


def test_every_factor_unit_is_written_in_the_readers_words() -> None:
    assert {f.unit for f in footprint.load_factors().values()} <= set(FACTOR_UNIT_LABELS)


def test_no_badge_while_too_little_is_retired(
    client: FlaskClient, methodologies: Any, db: Any
) -> None:
    make_issued_batch(issued_tonnes=20)
    _user, _org, event = _event_with_footprint(tonnes_retired=8)
    page = client.get(f"/events/{event.id}", headers=EN)
    assert "Not carbon neutral yet" in page.text and "/verify/" not in page.text


def test_organiser_creates_an_event_and_calculates(client: FlaskClient, db: Any) -> None:
    user, org = factories.make_organiser()
    factories.log_in(client, user)
    form = {
        "organisation_id": str(org.id),
        "kind": "conference",
        "title_zh": "东北亚博览会论坛",
        "title_en": "Northeast Asia Expo Forum",
        "starts_on": "2026-08-20",
        "ends_on": "2026-08-19",
        "venue_zh": "长春国际会展中心",
        "venue_en": "Changchun International Exhibition Center",
        "city_code": "220100",
        "attendees": "500",
    }
    refused = client.post("/events/new", data=form, headers=ZH)
    assert refused.status_code == 422 and "活动的最后一天不能早于第一天" in refused.text
    created = client.post("/events/new", data={**form, "ends_on": "2026-08-22"}, headers=ZH)
    assert created.status_code == 302
    event_id = int(created.headers["Location"].split("/")[-2])
    bad = client.post(f"/events/{event_id}/footprint", data={"meals": "-3"}, headers=ZH)
    assert bad.status_code == 422 and "不能为负数" in bad.text
    huge = client.post(f"/events/{event_id}/footprint", data={"meals": "450000"}, headers=EN)
    assert huge.status_code == 422 and "extra zero" in huge.text
    done = client.post(f"/events/{event_id}/footprint", data={"meals": "1000"}, headers=ZH)
    assert done.status_code == 302
    result = client.get(done.headers["Location"], headers=ZH)
    assert result.status_code == 200 and "3,092,000" in result.text
    assert queries.latest_footprint(event_id).tonnes == 4  # type: ignore[union-attr]


def test_a_stranger_cannot_edit(client: FlaskClient, db: Any) -> None:
    user, org = factories.make_organiser()
    event = factories.make_event(user, org)
    factories.log_in(client, factories.make_user())
    response = client.get(f"/events/{event.id}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/events/{event.id}"
    )
    mine = client.get("/events/mine", headers=EN)
    assert "You do not organise events here." in mine.text


def test_organiser_edits_and_the_certificate_verifies(
    client: FlaskClient, methodologies: Any, db: Any
) -> None:
    make_issued_batch(issued_tonnes=20)
    user, org = factories.make_organiser()
    event = factories.make_event(user, org)
    factories.log_in(client, user)
    form = client.get(f"/events/{event.id}/edit", headers=ZH)
    assert form.status_code == 200 and "长春马拉松" in form.text
    fields = {
        "kind": "sports",
        "title_zh": "长春国际马拉松",
        "title_en": "Changchun International Marathon",
        "starts_on": "2026-05-17",
        "ends_on": "2026-05-17",
        "venue_zh": "南岭体育场",
        "venue_en": "Nanling Stadium",
        "city_code": "220100",
        "attendees": "25000",
    }
    saved = client.post(f"/events/{event.id}/edit", data=fields, headers=ZH)
    assert saved.status_code == 302
    assert queries.get_event(event.id).title_zh == "长春国际马拉松"  # type: ignore[union-attr]
    empty = client.post(f"/events/{event.id}/footprint", data={}, headers=ZH)
    assert empty.status_code == 422 and "请至少填写一项" in empty.text
    services.calculate_footprint(actor=user, event_id=event.id, inputs={"meals": "100"})
    factories.retire_for_event(org, user, event.id, 1)
    cert = services.mark_neutral_if_covered(event.id)
    assert cert is not None
    verify = client.get(f"/verify/{cert.code}", headers=ZH)
    assert verify.status_code == 200 and "大型活动碳中和证书" in verify.text
    locked = client.post(f"/events/{event.id}/edit", data=fields, headers=ZH)
    assert locked.status_code == 422 and "已实现碳中和" in locked.text
