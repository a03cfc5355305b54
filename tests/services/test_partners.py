"""Partner creation, the shared record mapping, CSV reading and the ``flask partner`` command."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.accounts.models import AuditEvent, OrgKind, Role
from portal.activities.cli import partner_cli
from portal.activities.intake import csv_upload, parsing, partner_records
from portal.activities.intake.records import RecordInput
from portal.activities.models import BehaviorRecord, Channel, Partner
from portal.activities.partners import links, registration
from portal.errors import Conflict, InvalidInput, NotAllowed
from tests import factories

METRO, CYCLING, GRID = "JLCH-TR-008", "JLCH-TR-003", "JLCH-HS-003"
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


def records(db: Any) -> int:
    return db.session.scalar(select(func.count(BehaviorRecord.id)))


def trip(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "external_id": "t-1",
        "user_ref": "card-1",
        "scenario": METRO,
        "quantity": "12.5",
        "unit": "km",
        "occurred_at": "2026-11-20T11:00:00+08:00",
        "ended_at": "2026-11-20T11:40:00+08:00",
    }
    row.update(changes)
    return row


# --- create_partner -------------------------------------------------------------------------


def test_create_partner_makes_a_secret_and_audits(db: Any, methodologies: Any) -> None:
    org = factories.make_org(kind=OrgKind.PARTNER)
    partner, secret = registration.create_partner(
        name=" 长春地铁 ", methodology_codes=["jlch-tr-008", METRO], organisation_id=org.id
    )
    assert partner.name == "长春地铁" and partner.methodology_codes == [METRO]
    assert partner.public_id.startswith("ptn_") and len(partner.public_id) == 20
    assert secret.startswith("whsec_") and partner.signing_secret == secret
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partner.create"))
    assert event.actor_id is None and event.subject_id == str(partner.id)
    assert secret not in str(event.details) and event.details["public_id"] == partner.public_id
    other, other_secret = registration.create_partner(
        name="公共自行车", methodology_codes=[CYCLING]
    )
    assert other.public_id != partner.public_id and other_secret != secret


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"methodology_codes": []}, InvalidInput, "methodology_codes"),
        ({"methodology_codes": ["JLCH-XX-999", METRO]}, InvalidInput, "methodology_codes"),
        ({"name": "  "}, InvalidInput, "name"),
        ({"name": "已有平台"}, Conflict, "name"),
        ({"organisation_id": 10**9}, InvalidInput, "organisation_id"),
    ],
)
def test_create_partner_refusals(
    db: Any, methodologies: Any, fields: dict[str, Any], error: type, field: str
) -> None:
    registration.create_partner(name="已有平台", methodology_codes=[METRO])
    with pytest.raises(error) as refused:
        registration.create_partner(**{"name": "新平台", "methodology_codes": [METRO], **fields})
    assert refused.value.field == field
    assert db.session.scalar(select(func.count(Partner.id))) == 1


def test_create_partner_needs_a_partner_organisation(db: Any, methodologies: Any) -> None:
    school = factories.make_org(kind=OrgKind.SCHOOL)
    with pytest.raises(InvalidInput, match="kind partner"):
        registration.create_partner(name="x", methodology_codes=[METRO], organisation_id=school.id)


# --- parse_record_row -----------------------------------------------------------------------


def test_parse_a_json_record() -> None:
    parsed = parsing.parse_record_row(
        trip(quantity=Decimal("12.5"), scenario="jlch-tr-008", note=" line 2 ")
    )
    assert isinstance(parsed, RecordInput)
    assert parsed.methodology_code == METRO and parsed.quantity == Decimal("12.5")
    assert parsed.occurred_at == datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    assert parsed.ended_at is not None and parsed.note == "line 2"
    assert parsed.external_id == "t-1" and parsed.user_ref == "card-1"
    assert parsing.parse_record_row(trip(quantity=12)).quantity == Decimal(12)  # type: ignore[union-attr]


def test_parse_a_csv_row_with_parameters() -> None:
    row = trip(scenario=GRID, unit="kWh", ended_at="", note="")
    row.update({"param.baseline_kwh": "180", "param.unused": ""})
    parsed = parsing.parse_record_row(row)
    assert isinstance(parsed, RecordInput)
    assert parsed.parameters == {"baseline_kwh": "180"} and parsed.ended_at is None
    json_style = parsing.parse_record_row(trip(parameters={"baseline_kwh": 180, "x": None}))
    assert isinstance(json_style, RecordInput) and json_style.parameters == {"baseline_kwh": 180}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity": "abc"}, "quantity", "must be a number"),
        ({"quantity": "NaN"}, "quantity", "must be a number"),
        ({"quantity": 12.5}, "quantity", "decimal string"),
        ({"quantity": True}, "quantity", "must be a number"),
        ({"quantity": ""}, "quantity", "required"),
        ({"occurred_at": "2026-11-20T11:00:00"}, "occurred_at", "time zone"),
        ({"occurred_at": "2026-11-20"}, "occurred_at", "time zone"),
        ({"occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
        ({"occurred_at": 1763600000}, "occurred_at", "ISO 8601"),
        ({"ended_at": "2026-11-20 11:40"}, "ended_at", "time zone"),
        ({"external_id": "x" * 65}, "external_id", "At most 64"),
        ({"external_id": 17}, "external_id", "must be text"),
        ({"user_ref": None}, "user_ref", "required"),
        ({"scenario": "  "}, "scenario", "required"),
        ({"parameters": [1, 2]}, "parameters", "object"),
        ({"colour": "green"}, "colour", "Unknown field"),
    ],
)
def test_parse_problems_name_the_field(changes: dict[str, Any], field: str, message: str) -> None:
    problems = parsing.parse_record_row(trip(**changes))
    assert isinstance(problems, list)
    assert [p.field for p in problems] == [field]
    assert message in str(problems[0].message)


def test_every_missing_field_is_named() -> None:
    problems = parsing.parse_record_row({})
    assert isinstance(problems, list)
    assert [p.field for p in problems] == list(parsing.REQUIRED_FIELDS)


# --- submit_partner_rows --------------------------------------------------------------------


def test_rows_are_answered_in_order(db: Any, methodologies: Any) -> None:
    partner = factories.make_partner([METRO])
    factories.link(partner, factories.make_user(), "card-1")
    rows = [
        trip(quantity="abc", external_id="bad"),
        trip(),
        trip(external_id="t-2", scenario=CYCLING),
        trip(),
    ]
    outcomes = partner_records.submit_partner_rows(
        partner_id=partner.id, rows=rows, channel=Channel.PARTNER_API, now=NOW
    )
    assert [(o.index, o.status) for o in outcomes] == [
        (0, "rejected"),
        (1, "accepted"),
        (2, "rejected"),
        (3, "duplicate"),
    ]
    assert outcomes[0].external_id == "bad" and outcomes[0].problems[0].field == "quantity"
    assert parsing.request_field(outcomes[2].problems[0].field) == "scenario"
    assert outcomes[3].record_id == outcomes[1].record_id
    assert records(db) == 1
    with pytest.raises(InvalidInput, match="At most 1,000"):
        partner_records.submit_partner_rows(
            partner_id=partner.id, rows=[trip()] * 1001, channel=Channel.PARTNER_API, now=NOW
        )


# --- CSV ------------------------------------------------------------------------------------

HEADER = "external_id,user_ref,scenario,quantity,unit,occurred_at,ended_at,note\n"
ROW = "t-{n},card-1,JLCH-TR-008,12.5,km,2026-11-20T11:00:00+08:00,,\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (HEADER.encode(), "header but no records"),
        (ROW.format(n=1).encode(), "must be a header"),
        ((HEADER + ROW.format(n=1).replace("km", "公里")).encode("gbk"), "UTF-8"),
        ((HEADER.strip() + ",colour\n" + ROW.format(n=1)).encode(), "Unknown or repeated"),
        ((HEADER.strip() + ",note\n").encode(), "Unknown or repeated"),
        ((HEADER + "".join(ROW.format(n=n) for n in range(1001))).encode(), "more than 1,000"),
        (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
        (HEADER.encode() + b"a,\x00b\n", "not a CSV"),
        ((HEADER + 't-1,"card\n').encode(), "cannot be read"),
    ],
)
def test_unusable_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        csv_upload.read_partner_csv(data)
    assert refused.value.field == "file"
    assert message in str(refused.value.message)


def test_csv_rows_keep_their_line_numbers() -> None:
    data = ("\ufeff" + HEADER.upper() + ROW.format(n=1) + ",,,,,,,\n\n" + ROW.format(n=2)).encode()
    rows = csv_upload.read_partner_csv(data)
    assert [r.number for r in rows] == [2, 5]
    assert rows[0].values["external_id"] == "t-1" and rows[0].values["occurred_at"].endswith(
        "08:00"
    )
    assert (
        csv_upload.read_partner_csv((HEADER + ROW.format(n=1) * 1000).encode())[-1].number == 1001
    )


def test_upload_by_staff_is_processed_and_audited(db: Any, methodologies: Any) -> None:
    staff = factories.make_user_with_role(Role.PARTNER)
    partner = factories.make_partner([METRO], organisation_id=staff.memberships[0].organisation_id)
    factories.link(partner, factories.make_user(), "card-1")
    data = (HEADER + ROW.format(n=1) + ROW.format(n=1) + ROW.format(n=2) + "x,y\n").encode()
    data += b"t-9,card-1,JLCH-TR-008,1,km,2026-11-20T11:00:00+08:00,,,surplus\n"
    report = csv_upload.upload_partner_csv(
        actor=staff, partner_id=partner.id, data=data, filename="nov.csv", ip="10.0.0.1", now=NOW
    )
    assert [(n, o.status) for n, o in report.rows] == [
        (2, "accepted"),
        (3, "duplicate"),
        (4, "accepted"),
        (5, "rejected"),
        (6, "rejected"),
    ]
    assert report.rows[4][1].problems[0].field == "row"
    assert (report.count("accepted"), report.count("duplicate"), report.count("rejected")) == (
        2,
        1,
        2,
    )
    assert {r.channel for r in db.session.scalars(select(BehaviorRecord))} == {"partner_csv"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partner.csv_upload"))
    assert event.actor_id == staff.id and event.ip == "10.0.0.1"
    assert event.details == {
        "filename": "nov.csv",
        "rows": 5,
        "accepted": 2,
        "duplicates": 1,
        "rejected": 2,
    }
    again = csv_upload.upload_partner_csv(
        actor=staff, partner_id=partner.id, data=data, filename="nov.csv", now=NOW
    )
    assert again.count("accepted") == 0 and again.count("duplicate") == 3
    assert records(db) == 2


def test_an_upload_whose_audit_fails_writes_no_records(
    db: Any, methodologies: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit entry is written in the records' transaction: it failing takes them back."""
    staff = factories.make_user_with_role(Role.PARTNER)
    partner = factories.make_partner([METRO], organisation_id=staff.memberships[0].organisation_id)
    factories.link(partner, factories.make_user(), "card-1")

    def audit_fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(csv_upload, "record_audit", audit_fails)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        csv_upload.upload_partner_csv(
            actor=staff,
            partner_id=partner.id,
            data=(HEADER + ROW.format(n=1)).encode(),
            filename="nov.csv",
            now=NOW,
        )
    assert records(db) == 0


def test_only_the_partners_staff_may_upload(db: Any, methodologies: Any) -> None:
    partner = factories.make_partner([METRO], organisation_id=factories.make_org(kind="partner").id)
    outsider = factories.make_user_with_role(Role.PARTNER)
    with pytest.raises(NotAllowed):
        csv_upload.upload_partner_csv(
            actor=outsider, partner_id=partner.id, data=b"", filename="x.csv", now=NOW
        )


# --- links ----------------------------------------------------------------------------------


def test_a_retried_link_answers_the_existing_link(db: Any, methodologies: Any) -> None:
    partner = factories.make_partner([METRO])
    user = factories.make_user()
    code = links.create_link_code(user.id, now=NOW).code
    link, created = links.link_partner_account(
        partner_id=partner.id, code=code, user_ref="card-5", now=NOW
    )
    again, created_again = links.link_partner_account(
        partner_id=partner.id, code=code, user_ref="card-5", now=NOW
    )
    assert created and not created_again and again.id == link.id
    with pytest.raises(InvalidInput):  # the same code for another reference is not a retry
        links.link_partner_account(partner_id=partner.id, code=code, user_ref="card-6", now=NOW)


# --- flask partner create -------------------------------------------------------------------


def test_partner_create_command_prints_id_and_secret(
    app: Flask, db: Any, methodologies: Any
) -> None:
    org = factories.make_org(kind=OrgKind.PARTNER)
    runner = app.test_cli_runner()
    result = runner.invoke(
        partner_cli,
        [
            "create",
            "吉林公交",
            "--scenario",
            METRO,
            "--scenario",
            "JLCH-TR-007",
            "--organisation-id",
            str(org.id),
        ],
    )
    assert result.exit_code == 0, result.output
    partner = db.session.scalar(select(Partner).where(Partner.name == "吉林公交"))
    assert partner.public_id in result.output
    assert f"Signing secret: {partner.signing_secret}" in result.output
    assert partner.signing_secret.startswith("whsec_") and "only this once" in result.output
    assert partner.methodology_codes == ["JLCH-TR-007", METRO]
    assert partner.organisation_id == org.id
    refused = runner.invoke(partner_cli, ["create", "x", "--scenario", "JLCH-XX-999"])
    assert refused.exit_code == 1 and "JLCH-XX-999" in refused.output
    assert runner.invoke(partner_cli, ["create", "x"]).exit_code == 2  # --scenario is required
    if "partner" not in app.cli.commands:
        app.cli.add_command(partner_cli)
    assert "create" in app.cli.commands["partner"].commands  # type: ignore[attr-defined]
