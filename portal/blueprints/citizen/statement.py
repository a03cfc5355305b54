"""The citizen's points statement as CSV: the date range asked for (Asia/Shanghai days), its
checks, and the rows (an opening balance, each entry with its running balance, a closing
balance), streamed so a long year never sits in memory whole."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.blueprints.shared.ledger_kinds import kind_label
from portal.clock import SHANGHAI, bounds_utc
from portal.ledger.queries import get_balance_before, iter_lines
from portal.web.csv_text import csv_row as _row
from portal.web.csv_text import neutralise

MAX_DAYS = 366  # one statement file covers at most this many days


@dataclass(frozen=True)
class StatementRange:
    first: date
    last: date  # inclusive


class RangeError(ValueError):
    """Why a statement range is refused, in the reader's language."""


def parse_range(first: str | None, last: str | None) -> StatementRange:
    """The statement range from the form's ``from`` and ``to`` (YYYY-MM-DD); RangeError when
    one is missing or malformed, ``from`` is after ``to``, or it spans over ``MAX_DAYS``."""
    if not first or not last:
        raise RangeError(_l("Choose both a first and a last day."))
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise RangeError(_l("Give the days as dates, for example 2026-01-31.")) from None
    if start.year < 1900 or end.year > 9000:  # far dates have no UTC bounds to read by
        raise RangeError(_l("Give the days as dates, for example 2026-01-31."))
    if start > end:
        raise RangeError(_l("The first day must not be after the last day."))
    if (end - start).days + 1 > MAX_DAYS:
        raise RangeError(
            _l("A statement covers at most %(days)s days; choose a shorter range.", days=MAX_DAYS)
        )
    return StatementRange(start, end)


def statement_rows(account_id: int | None, period: StatementRange) -> Iterator[str]:
    """The CSV text, chunk by chunk: a byte-order mark (so Excel reads the Chinese), the
    header, the opening balance, each entry with the balance after it, the closing balance."""
    start, end = bounds_utc(period.first, period.last + timedelta(days=1))
    balance = get_balance_before(account_id, start) if account_id else 0
    yield "\ufeff" + _row(_("Date"), _("Description"), _("Points"), _("Balance"))
    yield _row(period.first.isoformat(), neutralise(_("Opening balance")), "", balance)
    if account_id:
        for line in iter_lines(account_id, start, end):
            balance += line.points
            when = line.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            yield _row(when, neutralise(kind_label(line.kind)), line.points, balance)
    yield _row(period.last.isoformat(), neutralise(_("Closing balance")), "", balance)
