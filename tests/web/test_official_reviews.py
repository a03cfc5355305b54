"""The officials' review pages: the conflicting records beside a flag, the rejection that needs
a reason before it asks to confirm, the warning-coloured flag chips, the decided history and the
phone layout of the queue."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.activities.models import BehaviorRecord, Channel, RecordStatus
from tests import factories
from tests.web.test_citizen import EN, png, yesterday_at


def _log_ride(
    client: FlaskClient, start: int, end: int, shade: int, km: str = "6"
) -> BehaviorRecord:
    """The logged-in citizen's bicycle trip yesterday from ``start`` to ``end`` o'clock, with a
    photo of grey ``shade``; returns the stored record."""
    response = client.post(
        "/me/log/transport/JLCH-TR-003",
        data={
            "quantity": km,
            "unit": "km",
            "occurred_at": yesterday_at(start),
            "ended_at": yesterday_at(end),
            "photo": (png(shade), "track.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    return (
        factories.session()
        .scalars(select(BehaviorRecord).order_by(BehaviorRecord.id.desc()))
        .first()
    )


def _office(app: Any) -> FlaskClient:
    office = app.test_client()
    factories.log_in(office, factories.make_user_with_role(factories.Role.OFFICIAL))
    return office


def test_an_overlap_flag_shows_the_other_trip(
    client: FlaskClient, app: Any, methodologies: Any, db: Any
) -> None:
    factories.log_in(client, factories.make_user())
    first = _log_ride(client, 9, 11, shade=10, km="7.5")
    second = _log_ride(client, 10, 12, shade=11)
    assert second.flags == ["overlapping_trip"] and first.status == RecordStatus.PENDING
    page = _office(app).get(f"/official/reviews/{second.id}", headers=EN).text
    conflicts = page[page.index('id="conflicts-title"') :]
    assert "Overlapping trips" in conflicts and "7.5" in conflicts
    assert "Being quantified" in conflicts and "self-reported" in conflicts
    zh = _office(app).get(f"/official/reviews/{second.id}").text
    assert "时间重叠的出行" in zh


def test_a_duplicate_photo_flag_shows_the_earlier_record_and_its_photo(
    client: FlaskClient, app: Any, methodologies: Any, db: Any
) -> None:
    factories.log_in(client, factories.make_user())
    first = _log_ride(client, 7, 8, shade=20, km="4")
    factories.log_in(client, factories.make_user())  # another citizen, the same photo
    second = _log_ride(client, 14, 15, shade=20)
    assert second.flags == ["duplicate_evidence"]
    office = _office(app)
    page = office.get(f"/official/reviews/{second.id}", headers=EN).text
    conflicts = page[page.index('id="conflicts-title"') :]
    assert "Earlier records with the same photo" in conflicts and "another citizen" in conflicts
    earlier_photo = f"/official/evidence/{first.evidence_id}"
    assert f'src="{earlier_photo}"' in conflicts
    photo = office.get(earlier_photo)
    photo.close()
    assert photo.status_code == 200


def test_reject_without_a_reason_is_refused_at_the_field_before_any_confirmation(
    client: FlaskClient, app: Any, methodologies: Any, db: Any
) -> None:
    factories.log_in(client, factories.make_user())
    record = _log_ride(client, 9, 10, shade=30, km="60")
    office = _office(app)
    form = office.get(f"/official/reviews/{record.id}", headers=EN).text
    assert re.search(r"<textarea[^>]*\brequired\b", form)  # the browser asks before confirming
    assert re.search(r'value="approve"[^>]*formnovalidate|formnovalidate[^>]*value="approve"', form)
    refused = office.post(
        f"/official/reviews/{record.id}", data={"decision": "reject", "reason": "  "}, headers=EN
    )
    assert refused.status_code == 422
    field = refused.text[refused.text.index('id="reason"') - 400 :]
    assert 'aria-invalid="true"' in field[:800] and "Give the citizen a reason" in field
    db.session.refresh(record)
    assert record.status == RecordStatus.FLAGGED


def test_flag_chips_use_the_warning_style(
    client: FlaskClient, app: Any, methodologies: Any, db: Any
) -> None:
    factories.log_in(client, factories.make_user())
    _log_ride(client, 9, 10, shade=40, km="60")
    queue = _office(app).get("/official/reviews", headers=EN).text
    assert re.search(r'class="tag tag-flag"[^>]*>The average speed', queue)


def test_the_queue_is_a_card_table_with_the_review_button_as_its_action(
    client: FlaskClient, app: Any, methodologies: Any, db: Any
) -> None:
    factories.log_in(client, factories.make_user())
    _log_ride(client, 9, 10, shade=50, km="60")
    queue = _office(app).get("/official/reviews", headers=EN).text
    assert 'class="table cards"' in queue
    assert re.search(r'<td class="card-key[^"]*" data-label="Why flagged"', queue)
    assert re.search(r'<td class="card-action" data-label="Actions"><a [^>]*>Review<', queue)


def test_decided_reviews_list_who_when_outcome_and_reason(
    client: FlaskClient, app: Any, methodologies: Any, db: Any
) -> None:
    factories.log_in(client, factories.make_user())
    rejected = _log_ride(client, 9, 10, shade=60, km="60")
    approved = _log_ride(client, 13, 14, shade=61, km="61")
    official = factories.make_user_with_role(factories.Role.OFFICIAL, display_name="审核员王")
    office = app.test_client()
    factories.log_in(office, official)
    office.post(
        f"/official/reviews/{rejected.id}", data={"decision": "reject", "reason": "Too fast"}
    )
    office.post(f"/official/reviews/{approved.id}", data={"decision": "approve", "reason": ""})
    assert "Too fast" not in office.get("/official/reviews", headers=EN).text
    page = office.get("/official/reviews/decided", headers=EN)
    assert page.status_code == 200
    assert "审核员王" in page.text and "Too fast" in page.text
    assert ">Rejected<" in page.text and ">Approved<" in page.text
    assert f"/official/reviews/{rejected.id}" in page.text
    only = office.get("/official/reviews/decided?outcome=rejected", headers=EN).text
    assert "Too fast" in only and f"/official/reviews/{approved.id}" not in only
    zh = office.get("/official/reviews/decided").text
    assert "已决定" in zh and ">已驳回<" in zh and ">已通过<" in zh
    bad = office.get("/official/reviews/decided?outcome=nonsense&page=2", headers=EN)
    assert bad.status_code == 200


def test_a_decided_list_is_paginated(app: Any, methodologies: Any, db: Any) -> None:
    from portal.activities.review import list_decided_reviews, review_record

    citizen = factories.make_user()
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    cycling = methodologies["JLCH-TR-003"]
    ids = []
    for hour in range(22):
        record = factories.make_record(
            citizen,
            cycling,
            factories.NOW.replace(hour=hour % 24),
            3000,
            status=RecordStatus.FLAGGED,
            flags=["night_hour"],
        )
        review_record(actor=official, record_id=record.id, approve=hour % 2 == 0, reason="r")
        ids.append(record.id)
    first, second = list_decided_reviews(page=1), list_decided_reviews(page=2)
    assert first.total == 22 and len(first.items) == 20 and len(second.items) == 2
    assert first.items[0].record.id == ids[-1]  # newest decision first
    assert list_decided_reviews(outcome="approved").total == 11


def test_an_overlap_with_a_trip_without_an_end_shows_it(
    app: Any, methodologies: Any, db: Any
) -> None:
    """A partner's ride with no end time lasts as long as its distance takes at top speed, so
    the review page finds it as the intake check did."""
    from portal.activities.review import list_conflicts

    citizen = factories.make_user()
    bike = methodologies["JLCH-TR-004"]
    start = factories.NOW.replace(hour=1)
    partner = factories.make_record(citizen, bike, start, 20_000, minutes=None)
    mine = factories.make_record(
        citizen,
        methodologies["JLCH-TR-003"],
        start,
        5000,
        channel=Channel.SELF_REPORT,
        status=RecordStatus.FLAGGED,
        flags=["overlapping_trip"],
        minutes=30,
    )
    conflicts = list_conflicts(mine)
    assert [c.record.id for c in conflicts.overlapping] == [partner.id]
    assert conflicts.overlapping[0].is_same_citizen and conflicts.same_photo == []
