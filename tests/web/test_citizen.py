"""A citizen logs behaviours in the browser's forms, sees them counted and explained."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import insert, select

from portal.accounts.models import AuditEvent
from portal.activities.intake.checks import FLAG_SPEED
from portal.activities.models import BehaviorRecord, Channel, RecordStatus, Reduction
from portal.activities.quantify import quantify_pending
from portal.clock import SHANGHAI
from tests import factories

EN = {"Accept-Language": "en"}


def yesterday_at(hour: int) -> str:
    """A daytime moment yesterday in Shanghai, as a datetime-local form value."""
    day = datetime.now(SHANGHAI) - timedelta(days=1)
    return day.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def png(shade: int = 255) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (shade, shade, shade)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_log_a_ride_and_see_it_explained(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    user = login_as("citizen")
    assert "Transport" in client.get("/me/log", headers=EN).text
    step = client.get("/me/log/transport", headers={**EN, "HX-Request": "true"})
    assert "<html" not in step.text and "Cycling" in step.text
    form = client.get("/me/log/transport/JLCH-TR-003", headers=EN)
    assert form.status_code == 200 and "When did it end" in form.text
    response = client.post(
        "/me/log/transport/JLCH-TR-003",
        data={
            "quantity": "6.5",
            "unit": "km",
            "occurred_at": yesterday_at(9),
            "ended_at": yesterday_at(10),
            "note": "to work",
            "photo": (png(1), "track.png"),
        },
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/records")
    record = db.session.scalar(select(BehaviorRecord).where(BehaviorRecord.user_id == user.id))
    assert record.status == RecordStatus.PENDING and record.quantity_milli == 6500
    assert "Being quantified" in client.get("/me/records", headers=EN).text

    quantify_pending(points_per_kg=1000)
    reduction = db.session.scalar(select(Reduction).where(Reduction.user_id == user.id))
    assert reduction.net_grams == 260  # 6.5 km x 0.04 kg/km
    page = client.get("/me/reductions", headers=EN)
    assert "<svg" in page.text and "260" in page.text and "Show as a table" in page.text
    explained = client.get(f"/me/reductions/{reduction.id}", headers=EN)
    assert "Q * recommended" in explained.text and "0.04" in explained.text
    assert "2017年中国主要城市骑行报告" in explained.text or "http" in explained.text
    assert "260" in client.get("/me/", headers=EN).text  # points on the account page


def test_bad_quantity_is_named_on_the_form(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    login_as("citizen")
    for quantity, message in [
        ("0", "greater than zero"),
        ("-2", "greater than zero"),
        ("abc", "Not a valid decimal"),
        ("NaN", "Not a valid decimal"),
        ("sNaN", "Not a valid decimal"),
        ("-Infinity", "Not a valid decimal"),
        ("1e7", "far beyond"),
        ("1e30", "far beyond"),
        ("9" * 400, "far beyond"),
    ]:
        response = client.post(
            "/me/log/transport/JLCH-TR-003",
            data={
                "quantity": quantity,
                "unit": "km",
                "occurred_at": yesterday_at(9),
                "photo": (png(3), "t.png"),
            },
            content_type="multipart/form-data",
            headers=EN,
        )
        assert response.status_code == 422, quantity
        assert message in response.text, quantity
    future = (datetime.now(SHANGHAI) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/me/log/transport/JLCH-TR-003",
        data={"quantity": "3", "unit": "km", "occurred_at": future, "photo": (png(4), "t.png")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 422 and "cannot be in the future" in response.text
    # The first hours of year 1 in Shanghai fall before any UTC date.
    response = client.post(
        "/me/log/transport/JLCH-TR-003",
        data={
            "quantity": "3",
            "unit": "km",
            "occurred_at": "0001-01-01T00:00",
            "photo": (png(5), "t.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "该时间没有有效的已备案方法学版本" in response.text
    assert db.session.scalar(select(BehaviorRecord)) is None


def test_photo_behaviour_in_chinese(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any
) -> None:
    login_as("citizen")
    url = "/me/log/food/JLCH-FD-001"
    missing = client.post(
        url,
        data={"quantity": "1", "unit": "meal", "occurred_at": yesterday_at(12)},
        headers={"Accept-Language": "zh-CN"},
    )
    assert missing.status_code == 422 and "照片" in missing.text
    renamed = client.post(
        url,
        data={
            "quantity": "1",
            "unit": "meal",
            "occurred_at": yesterday_at(12),
            "photo": (io.BytesIO(b"not an image"), "plate.jpg"),
        },
        content_type="multipart/form-data",
        headers=EN,
    )
    assert renamed.status_code == 422 and "not a JPEG, PNG or WebP image" in renamed.text
    ok = client.post(
        url,
        data={
            "quantity": "1",
            "unit": "meal",
            "occurred_at": yesterday_at(12),
            "photo": (png(), "plate.png"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    record = db.session.scalar(select(BehaviorRecord))
    with client.get(f"/me/evidence/{record.evidence_id}") as photo:
        assert photo.headers["Content-Type"] == "image/png"
    other = factories.make_user()
    factories.log_in(client, other)
    assert client.get(f"/me/evidence/{record.evidence_id}").status_code == 404


def test_before_any_methodology_is_filed_the_log_page_says_so(
    client: FlaskClient, login_as: Any, db: Any
) -> None:
    login_as("citizen")
    assert "目前还没有可在此申报的行为。" in client.get("/me/log").text
    assert "No behaviour can be recorded here yet." in client.get("/me/log", headers=EN).text


def test_partner_only_behaviour_has_no_form(
    client: FlaskClient, login_as: Any, methodologies: Any
) -> None:
    login_as("citizen")
    assert client.get("/me/log/clothing/JLCH-CL-001").status_code == 404


def test_link_code(client: FlaskClient, login_as: Any, methodologies: Any) -> None:
    login_as("citizen")
    page = client.post("/me/links/code", headers={**EN, "HX-Request": "true"})
    assert page.status_code == 200 and "works once" in page.text and "<html" not in page.text


def test_official_review_and_citizen_appeal(
    client: FlaskClient, app: Any, methodologies: Any, db: Any
) -> None:
    citizen = factories.make_user()
    factories.log_in(client, citizen)
    client.post(
        "/me/log/transport/JLCH-TR-003",
        data={
            "quantity": "60",
            "unit": "km",
            "occurred_at": yesterday_at(9),
            "ended_at": yesterday_at(10),
            "photo": (png(2), "track.png"),
        },
        content_type="multipart/form-data",
    )
    record = db.session.scalar(select(BehaviorRecord))
    assert record.status == RecordStatus.FLAGGED

    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    office = app.test_client()
    factories.log_in(office, official)
    queue = office.get("/official/reviews", headers=EN)
    assert "The average speed is implausible" in queue.text
    assert citizen.display_name in office.get(f"/official/reviews/{record.id}", headers=EN).text
    read = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data.read"))
    assert read.actor_id == official.id and read.subject_id == str(citizen.id)
    seen = client.get("/me/data-access", headers=EN)
    assert "Ecology official" in seen.text and "flag review" not in seen.text
    no_reason = office.post(
        f"/official/reviews/{record.id}", data={"decision": "reject", "reason": ""}, headers=EN
    )
    assert "Give the citizen a reason" in no_reason.text
    office.post(
        f"/official/reviews/{record.id}",
        data={"decision": "reject", "reason": "60 km in an hour by bike"},
    )
    db.session.refresh(record)
    assert record.status == RecordStatus.REJECTED

    assert "60 km in an hour by bike" in client.get("/me/records", headers=EN).text
    client.post(
        f"/me/records/{record.id}/appeal", data={"comment": "It was a race, see my club's results"}
    )
    db.session.refresh(record)
    assert record.status == RecordStatus.FLAGGED and record.appeal_comment
    office.post(f"/official/reviews/{record.id}", data={"decision": "approve", "reason": ""})
    db.session.refresh(record)
    assert record.status == RecordStatus.PENDING


def _ride_replaced_by_partner(
    db: Any, user: Any, upload_dir: Path, *, spend: int = 0
) -> tuple[Any, Any]:
    """The citizen's own 5.2 km ride, credited (208 points); then, after spending ``spend``
    points, the partner's record of the same trip (5.1 km) arrives. Returns both records."""
    from portal.activities.intake import partner_records, self_reports

    partner = factories.make_partner(["JLCH-TR-003"])
    factories.link(partner, user, "rider-1")
    mine = self_reports.log_behavior(
        user_id=user.id,
        item=factories.ride(),
        photo=png(3).getvalue(),
        upload_dir=upload_dir,
        now=factories.NOW,
    )
    quantify_pending(points_per_kg=1000)
    if spend:
        factories.make_spend(user.id, spend, f"test:spend:{user.id}")
    outcome = partner_records.submit_partner_records(
        partner_id=partner.id,
        items=[factories.partner_ride(mine, "trip-1", "rider-1")],
        channel=Channel.PARTNER_API,
        now=factories.NOW,
    )[0]
    return mine, db.session.get(BehaviorRecord, outcome.record_id)


def test_a_credited_self_report_replaced_by_partner_data(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any, tmp_path: Path
) -> None:
    user = login_as("citizen")
    mine, theirs = _ride_replaced_by_partner(db, user, tmp_path)
    old = db.session.scalar(select(Reduction).where(Reduction.record_id == mine.id))

    records = client.get("/me/records", headers=EN).text
    assert "Replaced by partner data" in records
    assert "208 g CO₂e, 208 points taken back" in records
    explained = client.get(f"/me/reductions/{old.id}", headers=EN).text
    assert "Replaced by partner data on" in explained and "these 208 points" in explained
    assert "The partner's record is in My records" in explained  # not quantified yet
    assert "/me/reductions/" + str(old.id) not in client.get("/me/reductions", headers=EN).text

    quantify_pending(points_per_kg=1000)
    new = db.session.scalar(select(Reduction).where(Reduction.record_id == theirs.id))
    explained = client.get(f"/me/reductions/{old.id}", headers=EN).text
    assert f'href="/me/reductions/{new.id}"' in explained
    assert "See how the partner's figures were computed" in explained
    listed = client.get("/me/reductions", headers=EN).text
    assert f"/me/reductions/{new.id}" in listed and f"/me/reductions/{old.id}" not in listed
    account = client.get("/me/", headers=EN).text
    points = {'<span class="stat-value">204<', '<span class="stat-value">208<'}
    assert {v for v in points if v in account} == {'<span class="stat-value">204<'}
    # And in Chinese, the default language.
    records = client.get("/me/records").text
    assert "已由合作平台数据替代" in records and "已收回208克CO₂e、208积分" in records
    assert "此处208积分已收回" in client.get(f"/me/reductions/{old.id}").text


def test_a_spent_self_report_stays_counted(
    client: FlaskClient, login_as: Any, methodologies: Any, db: Any, tmp_path: Path
) -> None:
    user = login_as("citizen")
    mine, theirs = _ride_replaced_by_partner(db, user, tmp_path, spend=150)
    assert mine.status == RecordStatus.QUANTIFIED and theirs.status == RecordStatus.REJECTED
    records = client.get("/me/records", headers=EN).text
    assert "Its points have been spent, so the partner's data could not replace it" in records
    assert "208 g CO₂e, 208 points — how was this computed?" in records


def test_long_lists_are_paged(client: FlaskClient, app: Any, methodologies: Any, db: Any) -> None:
    """The review queue comes 20 a page, in both languages; a page number that is no number,
    before the first or past any database offset shows a page, not an error. (A citizen's own
    lists page by key: tests/web/test_keyset_lists.py.)"""
    citizen = factories.make_user()
    start = datetime.now(UTC) - timedelta(days=2)
    db.session.execute(
        insert(BehaviorRecord),
        [
            factories.record_row(
                citizen.id,
                methodologies["JLCH-TR-003"].id,
                start + timedelta(hours=n),
                60000,
                channel=Channel.SELF_REPORT,
                status=RecordStatus.FLAGGED,
                flags=[FLAG_SPEED],
            )
            for n in range(25)
        ],
    )
    db.session.commit()
    office = app.test_client()
    factories.log_in(office, factories.make_user_with_role(factories.Role.OFFICIAL))
    path = "/official/reviews"
    first = office.get(path, headers=EN)
    assert "Page 1 of 2" in first.text and f'href="{path}?page=2"' in first.text
    second = office.get(f"{path}?page=2", headers={"Accept-Language": "zh-CN"})
    assert "第2页，共2页" in second.text
    assert second.text.count("平均速度与此类出行方式不符") == 5, path  # the 21st to 25th
    for page in ("abc", "-1", "9" * 30):
        assert office.get(f"{path}?page={page}", headers=EN).status_code == 200
