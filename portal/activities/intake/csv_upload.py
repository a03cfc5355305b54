"""Partner CSV uploads: the file read into rows (a bad file is refused whole, a bad row is
answered on its own) and submitted like an API call, in one transaction with its audit entry."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.accounts.audit import record_audit
from portal.accounts.models import User
from portal.activities.intake.parsing import PARAM_PREFIX, REQUIRED_FIELDS
from portal.activities.intake.partner_records import accept_rows, retrying_races
from portal.activities.intake.records import MAX_BATCH, Outcome, Problem
from portal.activities.models import Channel, Partner
from portal.activities.partners.queries import is_partner_member
from portal.clock import utcnow
from portal.db import session
from portal.errors import InvalidInput, NotAllowed, NotFound

CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_COLUMNS = (*REQUIRED_FIELDS, "ended_at", "note")


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
    through the API (channel ``partner_csv``), and the upload is audited with its totals in the
    same transaction as its records (retried as a whole when it loses a race, like an API call).
    """
    at = now or utcnow()
    return retrying_races(lambda: _upload(actor, partner_id, data, filename, ip, at))


def _upload(
    actor: User, partner_id: int, data: bytes, filename: str, ip: str | None, now: datetime
) -> CsvReport:
    partner = session().get(Partner, partner_id)
    if partner is None:
        raise NotFound(_l("No such partner."))
    if not is_partner_member(actor, partner):
        raise NotAllowed(_l("Only staff of this partner's organisation may upload for it."))
    if not partner.is_active:
        raise NotAllowed(_l("This partner is not active."))
    rows = read_partner_csv(data)
    report = CsvReport(partner=partner)
    well_formed = [r.values for r in rows if not r.extra_cells]
    outcomes = iter(accept_rows(partner.id, well_formed, Channel.PARTNER_CSV, now))
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
