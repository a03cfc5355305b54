"""Partner staff pages: platforms with recent records, CSV upload with a per-row report."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from portal.accounts.models import AuditEvent, Role, User
from portal.activities.models import BehaviorRecord, Partner
from tests import factories

METRO, GRID = "JLCH-TR-008", "JLCH-HS-003"
HEADER = "external_id,user_ref,scenario,quantity,unit,occurred_at,ended_at,note"


def row(external_id: str, quantity: str = "12.5", ref: str = "card-1") -> str:
    # Relative to the real clock: the upload is checked against the time it is made.
    at = (datetime.now(UTC) - timedelta(hours=3)).isoformat(timespec="seconds")
    return f"{external_id},{ref},{METRO},{quantity},km,{at},,"


def csv_file(*lines: str, bom: bool = True, name: str = "records.csv") -> tuple[io.BytesIO, str]:
    text = "\r\n".join(lines) + "\r\n"
    return io.BytesIO(("\ufeff" if bom else "").encode() + text.encode()), name


def count(db: Any) -> int:
    return db.session.scalar(select(func.count(BehaviorRecord.id)))


@pytest.fixture
def staff(login_as: Any, methodologies: Any) -> User:
    return login_as(Role.PARTNER)


@pytest.fixture
def metro(staff: User) -> Partner:
    partner = factories.make_partner(
        [METRO, GRID], organisation_id=staff.memberships[0].organisation_id, name="长春地铁"
    )
    factories.link(partner, factories.make_user(), "card-1")
    return partner


def post_form(client: FlaskClient, path: str, data: dict[str, Any], **headers: str) -> Any:
    """POST multipart form data. Werkzeug's test builder spools a large body to a temporary
    file it never closes (a ResourceWarning, an error here), so close it ourselves."""
    builder = EnvironBuilder(
        path=path, method="POST", data=data, content_type="multipart/form-data", headers=headers
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def upload(client: FlaskClient, partner: Partner, file: Any, **headers: str) -> Any:
    return post_form(client, f"/partner/{partner.id}/upload", {"file": file}, **headers)


def test_index_lists_the_organisations_platforms(
    client: FlaskClient, db: Any, metro: Partner
) -> None:
    factories.make_partner([METRO], name="别家平台")  # another organisation's platform
    upload(client, metro, csv_file(HEADER, row("t-1")))
    page = client.get("/partner/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "长春地铁" in page.text and metro.public_id in page.text
    assert METRO in page.text and GRID in page.text
    assert "t-1" in page.text and "Being quantified" in page.text
    assert "别家平台" not in page.text
    assert f"/partner/{metro.id}/upload" in page.text


def test_index_without_platforms(client: FlaskClient, db: Any, staff: User) -> None:
    page = client.get("/partner/")
    assert page.status_code == 200 and 'class="empty-state"' in page.text
    factories.make_partner([], organisation_id=staff.memberships[0].organisation_id)
    page = client.get("/partner/")
    assert "暂无：由平台运营方授权此平台可上报的场景。" in page.text
    english = client.get("/partner/", headers={"Accept-Language": "en"}).text
    assert "None yet: the platform operator authorises the scenarios" in english


def test_upload_happy_path(client: FlaskClient, db: Any, metro: Partner, staff: User) -> None:
    form = client.get(f"/partner/{metro.id}/upload", headers={"Accept-Language": "en"})
    assert (
        form.status_code == 200 and 'type="file"' in form.text and "param.baseline_kwh" in form.text
    )
    lines = [HEADER, row("t-1"), row("t-1"), row("t-2", "abc"), row("t-3", ref="nobody")]
    lines.append(row("t-4", quantity="61"))  # above the plausible 60 km: held for review
    response = upload(client, metro, csv_file(*lines), **{"Accept-Language": "en"})
    assert response.status_code == 200
    assert "5 records read: 2 accepted, 1 duplicates, 2 rejected." in response.text
    assert "The quantity must be a number." in response.text
    assert "No citizen is linked under this user reference." in response.text
    assert "The quantity is above what one record plausibly holds." in response.text
    assert count(db) == 2
    record = db.session.scalar(select(BehaviorRecord).order_by(BehaviorRecord.id))
    assert record.channel == "partner_csv" and record.external_id == "t-1"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partner.csv_upload"))
    assert event.actor_id == staff.id and event.details["accepted"] == 2
    # Uploading the same file again counts nothing twice.
    again = upload(client, metro, csv_file(*lines), **{"Accept-Language": "en"})
    assert "5 records read: 0 accepted, 3 duplicates, 2 rejected." in again.text
    assert count(db) == 2


def test_upload_without_bom_and_in_chinese(client: FlaskClient, db: Any, metro: Partner) -> None:
    lines = [HEADER, row("t-1"), row("t-2") + ",extra", row("t-3", quantity="1e30")]
    response = upload(client, metro, csv_file(*lines, bom=False))
    assert response.status_code == 200 and '<html lang="zh-CN">' in response.text
    assert "<code>row</code>" not in response.text and "此行的单元格数多于标题行。" in response.text
    assert "数量远超单条记录可能达到的范围。" in response.text
    assert count(db) == 1


def test_htmx_upload_returns_the_fragment(client: FlaskClient, db: Any, metro: Partner) -> None:
    response = upload(client, metro, csv_file(HEADER, "t-1,card-1"), **{"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="report-title"' in response.text
    refused = upload(client, metro, csv_file("", bom=False), **{"HX-Request": "true"})
    assert refused.status_code == 200 and 'class="error"' in refused.text


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (csv_file(bom=False), "The file is empty."),
        (csv_file(HEADER), "The file has a header but no records."),
        (csv_file(row("t-1")), "The first row must be a header naming the columns."),
        (
            (io.BytesIO(f"{HEADER}\r\n{row('t-1')},公交\r\n".encode("gbk")), "gbk.csv"),
            "The file is not UTF-8 text.",
        ),
        (csv_file(HEADER, *(row(f"t-{n}") for n in range(1001))), "more than 1,000 rows"),
        (csv_file(HEADER + ",colour", row("t-1")), "Unknown or repeated columns: colour."),
        ((io.BytesIO(b"x" * (2 * 1024 * 1024 + 10)), "big.csv"), "larger than 2 MB"),
        (csv_file(HEADER, row("t-1"), name="records.xlsx"), "Choose a file ending in .csv."),
        (None, "Choose a CSV file."),
    ],
)
def test_bad_files_are_refused_clearly(
    client: FlaskClient, db: Any, metro: Partner, file: Any, message: str
) -> None:
    data = {} if file is None else {"file": file}
    response = post_form(client, f"/partner/{metro.id}/upload", data, **{"Accept-Language": "en"})
    assert response.status_code == 422
    assert message in response.text
    assert count(db) == 0
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "partner.csv_upload")
        )
        == 0
    )


def test_a_nul_in_the_file_name_is_refused(client: FlaskClient, db: Any, metro: Partner) -> None:
    named = csv_file(HEADER, row("t-1"), name="records\x00.csv")
    response = upload(client, metro, named, **{"Accept-Language": "en"})
    assert response.status_code == 400 and "contains a NUL character" in response.text
    assert count(db) == 0


def test_other_partners_staff_get_403(client: FlaskClient, db: Any, methodologies: Any) -> None:
    theirs = factories.make_partner([METRO], organisation_id=factories.make_org(kind="partner").id)
    factories.log_in(client, factories.make_user_with_role(Role.PARTNER))
    assert client.get(f"/partner/{theirs.id}/upload").status_code == 403
    assert upload(client, theirs, csv_file(HEADER, row("t-1"))).status_code == 403
    assert client.get(f"/partner/{theirs.id}/template.csv").status_code == 403
    assert client.get("/partner/999999/upload").status_code == 404
    assert count(db) == 0


def test_citizens_cannot_enter(client: FlaskClient, db: Any, login_as: Any) -> None:
    login_as(Role.CITIZEN)
    assert client.get("/partner/").status_code == 403


def test_csv_template(client: FlaskClient, db: Any, metro: Partner) -> None:
    response = client.get(f"/partner/{metro.id}/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER + ",param.baseline_kwh"
    assert [line.split(",")[2] for line in lines[1:]] == [GRID, METRO]


def test_an_act_that_cannot_be_replaced_is_explained(
    client: FlaskClient, db: Any, staff: User, tmp_path: Any
) -> None:
    from decimal import Decimal

    from PIL import Image

    from portal.activities import services
    from portal.activities.quantify import quantify_pending
    from portal.clock import SHANGHAI

    cycling = "JLCH-TR-003"
    bikes = factories.make_partner(
        [cycling], organisation_id=staff.memberships[0].organisation_id, name="长春单车"
    )
    citizen = factories.make_user()
    factories.link(bikes, citizen, "rider-1")
    # The citizen's own report of yesterday's ride is credited and its points spent since.
    start = (datetime.now(SHANGHAI) - timedelta(days=1)).replace(hour=10, minute=0, second=0)
    photo = io.BytesIO()
    Image.new("RGB", (4, 4), (9, 9, 9)).save(photo, "PNG")
    services.log_behavior(
        user_id=citizen.id,
        item=factories.ride(
            quantity=Decimal(5), occurred_at=start, ended_at=start + timedelta(minutes=25)
        ),
        photo=photo.getvalue(),
        upload_dir=tmp_path,
    )
    quantify_pending(points_per_kg=1000)
    factories.make_spend(citizen.id, 150, "test:spend:csv")
    trip = (
        f"b-1,rider-1,{cycling},5,km,{start.isoformat(timespec='seconds')},"
        f"{(start + timedelta(minutes=25)).isoformat(timespec='seconds')},"
    )
    page = upload(client, bikes, csv_file(HEADER, trip), **{"Accept-Language": "en"})
    assert "1 records read: 0 accepted, 1 duplicates, 0 rejected." in page.text
    assert "could not be replaced by partner data" in page.text
    assert "Sent before as record" not in page.text
