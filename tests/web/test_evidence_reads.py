"""Officials see a record's photo only once the record is in review or was reviewed, and every
look at it is written down for the citizen's "who viewed my data" page."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from portal.accounts.models import AuditEvent
from portal.activities.evidence import store_evidence
from portal.activities.models import BehaviorRecord, RecordStatus
from portal.clock import utcnow
from tests import factories

EN = {"Accept-Language": "en"}


def _photo_record(app: Flask, db: Any, methodologies: Any, **fields: Any) -> BehaviorRecord:
    citizen = factories.make_user()
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), (7, len(fields), 9)).save(buffer, "PNG")
    evidence, _seen = store_evidence(
        buffer.getvalue(), user_id=citizen.id, upload_dir=Path(app.instance_path) / "uploads"
    )
    record = factories.make_record(
        citizen, methodologies[factories.CYCLING], utcnow() - timedelta(days=1), 5000
    )
    record.evidence_id = evidence.id
    for name, value in fields.items():
        setattr(record, name, value)
    db.session.flush()
    return record


def _reads(db: Any, user_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "personal_data.read", AuditEvent.subject_id == str(user_id)
            )
        )
    )


@pytest.mark.parametrize(
    "status", [RecordStatus.PENDING, RecordStatus.QUANTIFIED, RecordStatus.SUPERSEDED]
)
def test_an_official_cannot_open_the_photo_of_a_record_never_in_review(
    app: Flask, client: FlaskClient, login_as: Any, methodologies: Any, db: Any, status: Any
) -> None:
    record = _photo_record(app, db, methodologies, status=status.value)
    login_as("official")
    assert client.get(f"/official/evidence/{record.evidence_id}").status_code == 404
    assert _reads(db, record.user_id) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"status": RecordStatus.FLAGGED.value},  # waiting in the queue (flagged or appealed)
        {"status": RecordStatus.PENDING.value, "reviewed_at": utcnow()},  # approved
        {"status": RecordStatus.QUANTIFIED.value, "reviewed_at": utcnow()},  # approved, counted
        {"status": RecordStatus.REJECTED.value, "reviewed_at": utcnow()},  # rejected
    ],
    ids=["flagged", "approved", "approved-quantified", "rejected"],
)
def test_an_officials_look_at_a_reviewed_photo_is_shown_to_the_citizen(
    app: Flask, client: FlaskClient, methodologies: Any, db: Any, fields: dict[str, Any]
) -> None:
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    if "reviewed_at" in fields:
        fields = {**fields, "reviewed_by_id": official.id}
    record = _photo_record(app, db, methodologies, **fields)
    factories.log_in(client, official)
    photo = client.get(f"/official/evidence/{record.evidence_id}")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.headers["Cache-Control"] == "private, no-store"
    photo.close()
    (read,) = _reads(db, record.user_id)
    assert read.actor_id == official.id and read.subject_type == "user"
    assert read.details == {
        "record_id": record.id,
        "evidence_id": record.evidence_id,
        "read": "evidence_photo",
        "purpose": "flag review",
    }
    client.post("/auth/logout")
    factories.log_in(client, db.session.get(factories.User, record.user_id))
    page = client.get("/me/data-access", headers=EN)
    assert f"Photo evidence of record #{record.id}" in page.text


def test_a_citizen_sees_what_an_official_read(
    app: Flask, client: FlaskClient, methodologies: Any, db: Any
) -> None:
    record = _photo_record(app, db, methodologies, status=RecordStatus.FLAGGED.value)
    office = app.test_client()
    factories.log_in(office, factories.make_user_with_role(factories.Role.OFFICIAL))
    assert office.get(f"/official/reviews/{record.id}").status_code == 200
    factories.log_in(client, db.session.get(factories.User, record.user_id))
    page = client.get("/me/data-access", headers=EN)
    assert f"Record #{record.id} with your display name and city" in page.text
    zh = client.get("/me/data-access", headers={"Accept-Language": "zh-CN"})
    assert f"第 {record.id} 号记录" in zh.text
