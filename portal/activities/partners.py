"""Partner platforms: creation, the one mapping from a raw record (JSON object or CSV row) to a
``RecordInput``, batch and CSV intake on top of ``submit_partner_records``, and the reads the
partner pages need.

The signed API and the CSV upload share :func:`parse_record_row` and :func:`submit_partner_rows`,
so a record means the same thing whichever way it arrives, and a malformed record is answered
``rejected`` on its own without holding back the rest of its batch.
"""

from __future__ import annotations

import base64
import csv
import io
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.audit import record_audit
from portal.accounts.models import Membership, Organisation, OrgKind, User
from portal.activities.models import (
    AccountLink,
    BehaviorRecord,
    Channel,
    LinkCode,
    Partner,
)
from portal.activities.rules import Problem, parse_decimal
from portal.activities.services import (
    MAX_BATCH,
    Outcome,
    RecordInput,
    link_account,
    submit_partner_records,
)
from portal.clock import utcnow
from portal.db import session, transaction
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.methodology.engine import RecordParameter
from portal.methodology.models import Methodology, MethodologyStatus
from portal.methodology.queries import get_version_in_force
from portal.methodology.versions import spec_from_definition

PUBLIC_ID_PREFIX = "ptn_"
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # 256-bit HMAC key, as Standard Webhooks recommends (24–64 bytes)

# Fields of one record, in the order the API documents them and a CSV template lists them.
REQUIRED_FIELDS = ("external_id", "user_ref", "scenario", "quantity", "unit", "occurred_at")
OPTIONAL_FIELDS = ("ended_at", "parameters", "note")
PARAM_PREFIX = "param."  # CSV: one column per record parameter, e.g. ``param.baseline_kwh``
TEXT_LIMITS = {"external_id": 64, "user_ref": 64, "scenario": 16, "unit": 20, "note": 200}

CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_COLUMNS = (*REQUIRED_FIELDS, "ended_at", "note")

MSG_REQUIRED = _l("This value is required.")
MSG_TEXT = _l("This value must be text.")
MSG_NUMBER = _l("The quantity must be a number.")
MSG_TIME = _l(
    "Give the time in ISO 8601 format with its UTC offset, e.g. 2026-11-20T08:30:00+08:00."
)
MSG_TIMEZONE = _l("The time must include a time zone.")
MSG_PARAMETERS = _l("The parameters must be an object of names and numbers.")
MSG_UNKNOWN = _l("Unknown field.")


# --- creation -----------------------------------------------------------------------------


def _filed_codes(codes: Iterable[str]) -> list[str]:
    wanted = sorted({c.strip().upper() for c in codes if c and c.strip()})
    if not wanted:
        raise InvalidInput(
            _l("Authorise the partner for at least one scenario."), field="methodology_codes"
        )
    filed = set(
        session().scalars(
            select(Methodology.code).where(
                Methodology.code.in_(wanted), Methodology.status == MethodologyStatus.FILED.value
            )
        )
    )
    unknown = [c for c in wanted if c not in filed]
    if unknown:
        raise InvalidInput(
            _l("No filed methodology has the code: %(codes)s.", codes=", ".join(unknown)),
            field="methodology_codes",
        )
    return wanted


def create_partner(
    *, name: str, methodology_codes: Iterable[str], organisation_id: int | None = None
) -> tuple[Partner, str]:
    """Register a partner platform authorised for the given filed methodology codes.

    Returns the partner and its Standard Webhooks signing secret (``whsec_`` + base64 of 32
    random bytes). The secret is shown to the operator once; the API verifies every request
    with it. For operators (the ``flask partner create`` command); audited with no actor.
    """
    clean_name = name.strip()
    if not 1 <= len(clean_name) <= 120:
        raise InvalidInput(_l("The name must be 1 to 120 characters."), field="name")
    with transaction() as db:
        codes = _filed_codes(methodology_codes)
        if db.scalar(select(Partner.id).where(Partner.name == clean_name)):
            raise Conflict(_l("A partner with this name already exists."), field="name")
        if organisation_id is not None:
            org = db.get(Organisation, organisation_id)
            if org is None or org.kind != OrgKind.PARTNER.value:
                raise InvalidInput(
                    _l("The organisation must exist and be of the kind partner."),
                    field="organisation_id",
                )
        secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
        partner = Partner(
            public_id=PUBLIC_ID_PREFIX + secrets.token_urlsafe(12),  # 16 url-safe characters
            name=clean_name,
            organisation_id=organisation_id,
            signing_secret=secret,
            methodology_codes=codes,
            is_active=True,
        )
        db.add(partner)
        db.flush()
        record_audit(
            "partner.create",
            actor_id=None,
            subject_type="partner",
            subject_id=partner.id,
            details={
                "name": partner.name,
                "public_id": partner.public_id,
                "methodology_codes": codes,
                "organisation_id": organisation_id,
            },
        )
    return partner, secret


# --- one record ---------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(row: Mapping[str, Any], name: str, problems: list[Problem]) -> str | None:
    value = row.get(name)
    if _blank(value):
        return None
    if not isinstance(value, str):
        problems.append(Problem(name, MSG_TEXT))
        return None
    value = value.strip()
    if "\x00" in value:  # no text column can hold it
        problems.append(Problem(name, _l("The text contains a NUL character.")))
        return None
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate from a JSON escape such as \ud800
            problems.append(Problem(name, _l("The text is not valid Unicode.")))
            return None
    if len(value) > TEXT_LIMITS[name]:
        problems.append(Problem(name, _l("At most %(count)s characters.", count=TEXT_LIMITS[name])))
        return None
    return value


def _time(row: Mapping[str, Any], name: str, problems: list[Problem]) -> datetime | None:
    value = row.get(name)
    if _blank(value):
        return None
    if not isinstance(value, str):
        problems.append(Problem(name, MSG_TIME))
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        problems.append(Problem(name, MSG_TIME))
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        problems.append(Problem(name, MSG_TIMEZONE))
        return None
    return parsed


def _parameters(row: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    given = row.get("parameters")
    if isinstance(given, Mapping):
        parameters.update({str(k): v for k, v in given.items() if not _blank(v)})
    elif not _blank(given):
        problems.append(Problem("parameters", MSG_PARAMETERS))
    for key, value in row.items():
        if isinstance(key, str) and key.startswith(PARAM_PREFIX) and not _blank(value):
            parameters[key[len(PARAM_PREFIX) :]] = value
    return parameters


def parse_record_row(row: Mapping[str, Any]) -> RecordInput | list[Problem]:
    """Map one raw record (a JSON object or a CSV row) to a ``RecordInput``, or say per field
    what is wrong with it.

    Fields: ``external_id``, ``user_ref``, ``scenario`` (a methodology code), ``quantity`` (a
    decimal string or a number, read as ``Decimal``, never through float), ``unit``,
    ``occurred_at`` and ``ended_at`` (ISO 8601 with a UTC offset; a naive time is refused),
    ``parameters`` (an object; in a CSV, ``param.<name>`` columns) and ``note``. Empty values
    count as absent. Whether the values make sense (quantity above zero, unit of the scenario,
    times not in the future) is for ``submit_partner_records``.
    """
    problems: list[Problem] = []
    for key in row:
        known = key in REQUIRED_FIELDS or key in OPTIONAL_FIELDS
        if not known and not (isinstance(key, str) and key.startswith(PARAM_PREFIX)):
            problems.append(Problem(str(key), MSG_UNKNOWN))
    texts = {name: _text(row, name, problems) for name in TEXT_LIMITS}
    quantity = None
    if _blank(row.get("quantity")):
        pass
    elif isinstance(row.get("quantity"), float):
        # Floats only reach here from a JSON parser that was not told to keep decimals.
        problems.append(Problem("quantity", _l("Send the quantity as a decimal string.")))
    else:
        quantity = parse_decimal(row.get("quantity"))
        if quantity is None:
            problems.append(Problem("quantity", MSG_NUMBER))
    occurred_at = _time(row, "occurred_at", problems)
    ended_at = _time(row, "ended_at", problems)
    parameters = _parameters(row, problems)
    reported = {p.field for p in problems}
    values = {**texts, "quantity": quantity, "occurred_at": occurred_at}
    for name in REQUIRED_FIELDS:
        if values[name] is None and name not in reported:
            problems.append(Problem(name, MSG_REQUIRED))
    if problems:
        order = {name: i for i, name in enumerate((*REQUIRED_FIELDS, *OPTIONAL_FIELDS))}
        return sorted(problems, key=lambda p: order.get(p.field.partition(".")[0], len(order)))
    assert texts["scenario"] and texts["unit"] and occurred_at is not None
    return RecordInput(
        methodology_code=texts["scenario"].upper(),
        quantity=quantity,
        unit=texts["unit"],
        occurred_at=occurred_at,
        ended_at=ended_at,
        parameters=parameters,
        external_id=texts["external_id"],
        user_ref=texts["user_ref"],
        note=texts["note"] or "",
    )


def request_field(name: str, *, csv_columns: bool = False) -> str:
    """The field of the request a problem is about: the service says ``methodology`` where the
    partner sent ``scenario``, and ``parameters.x`` where a CSV has the column ``param.x``."""
    if name == "methodology":
        return "scenario"
    if csv_columns and name.startswith("parameters."):
        return PARAM_PREFIX + name.partition(".")[2]
    return name


# --- batches --------------------------------------------------------------------------------


def submit_partner_rows(
    *,
    partner_id: int,
    rows: Sequence[Mapping[str, Any]],
    channel: Channel,
    now: datetime | None = None,
) -> list[Outcome]:
    """Parse each raw record and submit the well-formed ones; one ``Outcome`` per row, in
    order, ``index`` being the row's position. At most 1,000 rows (``InvalidInput`` naming
    ``records``). Idempotent per (partner, external_id) like ``submit_partner_records``."""
    if len(rows) > MAX_BATCH:
        raise InvalidInput(_l("At most 1,000 records per call."), field="records")
    outcomes: list[Outcome | None] = []
    items: list[RecordInput] = []
    positions: list[int] = []
    for index, row in enumerate(rows):
        parsed = parse_record_row(row)
        if isinstance(parsed, RecordInput):
            outcomes.append(None)
            items.append(parsed)
            positions.append(index)
        else:
            external_id = row.get("external_id")
            outcomes.append(
                Outcome(
                    index=index,
                    status="rejected",
                    external_id=external_id.strip() if isinstance(external_id, str) else None,
                    problems=parsed,
                )
            )
    if items:
        submitted = submit_partner_records(
            partner_id=partner_id, items=items, channel=channel, now=now
        )
        for position, outcome in zip(positions, submitted, strict=True):
            outcome.index = position
            outcomes[position] = outcome
    return [o for o in outcomes if o is not None]


@dataclass(frozen=True)
class CsvRow:
    """One data row: its line number in the file (the header is line 1) and its cells."""

    number: int
    values: dict[str, str]
    extra_cells: bool = False


@dataclass
class CsvReport:
    partner: Partner
    rows: list[tuple[int, Outcome]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for _number, outcome in self.rows if outcome.status == status)


def read_partner_csv(data: bytes) -> list[CsvRow]:
    """Read an uploaded CSV file (UTF-8, with or without BOM, comma-separated, header row).

    Raises ``InvalidInput`` (field ``file``) for what makes the whole file unusable: too large,
    empty, not UTF-8, no header naming the required columns, unknown or repeated columns,
    more than 1,000 data rows. Blank rows are skipped.
    """
    if len(data) > CSV_MAX_BYTES:
        raise InvalidInput(_l("The file is larger than 2 MB."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            _l("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”."), field="file"
        ) from exc
    if not text.strip():
        raise InvalidInput(_l("The file is empty."), field="file")
    if "\x00" in text:
        raise InvalidInput(_l("This is not a CSV text file."), field="file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        missing = [c for c in REQUIRED_FIELDS if c not in header]
        if missing:
            raise InvalidInput(
                _l(
                    "The first row must be a header naming the columns. Missing: %(columns)s.",
                    columns=", ".join(missing),
                ),
                field="file",
            )
        unknown = [c for c in header if c not in CSV_COLUMNS and not c.startswith(PARAM_PREFIX)]
        repeated = sorted({c for c in header if header.count(c) > 1})
        if unknown or repeated:
            raise InvalidInput(
                _l(
                    "Unknown or repeated columns: %(columns)s.",
                    columns=", ".join(unknown + repeated),
                ),
                field="file",
            )
        rows: list[CsvRow] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_BATCH:
                raise InvalidInput(
                    _l("The file has more than 1,000 rows; split it into several files."),
                    field="file",
                )
            values = {name: cell for name, cell in zip(header, cells, strict=False)}
            extra = any(cell.strip() for cell in cells[len(header) :])
            rows.append(CsvRow(number=reader.line_num, values=values, extra_cells=extra))
    except csv.Error as exc:
        raise InvalidInput(
            _l("Line %(line)s cannot be read as CSV.", line=reader.line_num), field="file"
        ) from exc
    if not rows:
        raise InvalidInput(_l("The file has a header but no records."), field="file")
    return rows


def upload_partner_csv(
    *,
    actor: User,
    partner_id: int,
    data: bytes,
    filename: str,
    ip: str | None = None,
    now: datetime | None = None,
) -> CsvReport:
    """Staff of a partner's organisation upload a CSV of records for that partner.

    Members of the partner's organisation only (``NotAllowed``); file-level problems raise
    ``InvalidInput`` and write nothing. Each row is then accepted, duplicate or rejected as
    through the API (channel ``partner_csv``), and the upload is audited with its totals.
    """
    partner = session().get(Partner, partner_id)
    if partner is None:
        raise NotFound(_l("No such partner."))
    if not is_partner_member(actor, partner):
        raise NotAllowed(_l("Only staff of this partner's organisation may upload for it."))
    if not partner.is_active:
        raise NotAllowed(_l("This partner is not active."))
    rows = read_partner_csv(data)
    report = CsvReport(partner=partner)
    well_formed = [r for r in rows if not r.extra_cells]
    outcomes = iter(
        submit_partner_rows(
            partner_id=partner.id,
            rows=[r.values for r in well_formed],
            channel=Channel.PARTNER_CSV,
            now=now,
        )
    )
    for row in rows:
        if row.extra_cells:
            external_id = row.values.get("external_id", "").strip() or None
            outcome = Outcome(
                index=row.number,
                status="rejected",
                external_id=external_id,
                problems=[Problem("row", _l("This row has more cells than the header."))],
            )
        else:
            outcome = next(outcomes)
        report.rows.append((row.number, outcome))
    with transaction():
        record_audit(
            "partner.csv_upload",
            actor_id=actor.id,
            subject_type="partner",
            subject_id=partner.id,
            ip=ip,
            details={
                "filename": filename[:200],
                "rows": len(report.rows),
                "accepted": report.count("accepted"),
                "duplicates": report.count("duplicate"),
                "rejected": report.count("rejected"),
            },
        )
    return report


def link_partner_account(
    *, partner_id: int, code: str, user_ref: str, now: datetime | None = None
) -> tuple[AccountLink, bool]:
    """``link_account``, safe to retry: if this code already linked this citizen to this
    partner under this ``user_ref`` (a retried call), that link is returned. The flag says
    whether the link is new."""
    try:
        return link_account(
            partner_id=partner_id, code=code, partner_user_ref=user_ref, now=now
        ), True
    except InvalidInput as error:
        if error.field != "code":
            raise
        db = session()
        used = db.scalar(
            select(LinkCode).where(
                LinkCode.code == code.strip().upper(), LinkCode.used_at.is_not(None)
            )
        )
        existing = (
            db.scalar(
                select(AccountLink).where(
                    AccountLink.partner_id == partner_id,
                    AccountLink.user_id == used.user_id,
                    AccountLink.partner_user_ref == user_ref.strip(),
                    AccountLink.unlinked_at.is_(None),
                )
            )
            if used is not None
            else None
        )
        if existing is None:
            raise
        return existing, False


# --- reads ----------------------------------------------------------------------------------


def get_partner_by_public_id(public_id: str) -> Partner | None:
    return session().scalar(select(Partner).where(Partner.public_id == public_id))


def is_partner_member(user: User, partner: Partner) -> bool:
    """Whether ``user`` is staff of the (partner-kind) organisation that runs ``partner``."""
    return partner.organisation_id is not None and any(
        m.organisation_id == partner.organisation_id
        and m.organisation.kind == OrgKind.PARTNER.value
        for m in user.memberships
    )


def list_partners_for_user(user_id: int) -> list[Partner]:
    """The partner platforms run by the user's partner organisations, by name."""
    return list(
        session().scalars(
            select(Partner)
            .join(Membership, Membership.organisation_id == Partner.organisation_id)
            .join(Organisation, Organisation.id == Partner.organisation_id)
            .where(Membership.user_id == user_id, Organisation.kind == OrgKind.PARTNER.value)
            .order_by(Partner.name)
        )
    )


def list_recent_records(
    partner_id: int, limit: int = 20
) -> list[tuple[BehaviorRecord, Methodology]]:
    """The partner's latest records, newest first, with their methodology."""
    return [
        (record, methodology)
        for record, methodology in session().execute(
            select(BehaviorRecord, Methodology)
            .join(Methodology, Methodology.id == BehaviorRecord.methodology_id)
            .where(BehaviorRecord.partner_id == partner_id)
            .order_by(BehaviorRecord.id.desc())
            .limit(limit)
        )
    ]


@dataclass(frozen=True)
class ScenarioGuide:
    """What a partner needs to send records for one authorised scenario."""

    methodology: Methodology
    unit: str | None  # the activity unit of the version in force; None if none is
    parameters: tuple[RecordParameter, ...] = ()


def list_scenario_guides(
    codes: Iterable[str], *, at: datetime | None = None
) -> list[ScenarioGuide]:
    """The methodologies behind a partner's authorised codes, by code, with the unit and the
    record parameters of the version in force at ``at`` (now by default)."""
    wanted = list(codes)
    if not wanted:
        return []
    at = at or utcnow()
    guides = []
    for methodology in session().scalars(
        select(Methodology).where(Methodology.code.in_(wanted)).order_by(Methodology.code)
    ):
        version = get_version_in_force(methodology.id, at)
        if version is None:
            guides.append(ScenarioGuide(methodology, None))
            continue
        spec = spec_from_definition(version.definition)
        guides.append(ScenarioGuide(methodology, spec.activity_unit, spec.parameters))
    return guides
