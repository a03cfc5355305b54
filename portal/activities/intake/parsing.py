"""The one mapping from a raw partner record (a JSON object of the signed API, or a CSV row) to
a ``RecordInput``, so a record means the same thing whichever way it arrives, and a malformed
record is answered ``rejected`` on its own without holding back the rest of its batch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.activities.intake.checks import parse_decimal
from portal.activities.intake.records import Problem, RecordInput
from portal.text import text_problem

# Fields of one record, in the order the API documents them and a CSV template lists them.
REQUIRED_FIELDS = ("external_id", "user_ref", "scenario", "quantity", "unit", "occurred_at")
OPTIONAL_FIELDS = ("ended_at", "parameters", "note")
PARAM_PREFIX = "param."  # CSV: one column per record parameter, e.g. ``param.baseline_kwh``
TEXT_LIMITS = {"external_id": 64, "user_ref": 64, "scenario": 16, "unit": 20, "note": 200}
MULTILINE_FIELDS = frozenset({"note"})  # free text for reviewers; the rest are codes and ids

MSG_REQUIRED = _l("This value is required.")
MSG_TEXT = _l("This value must be text.")
MSG_NUMBER = _l("The quantity must be a number.")
MSG_TIME = _l(
    "Give the time in ISO 8601 format with its UTC offset, e.g. 2026-11-20T08:30:00+08:00."
)
MSG_TIMEZONE = _l("The time must include a time zone.")
MSG_PARAMETERS = _l("The parameters must be an object of names and numbers.")
MSG_UNKNOWN = _l("Unknown field.")


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
    problem = text_problem(value, multiline=name in MULTILINE_FIELDS)
    if problem is not None:
        problems.append(Problem(name, problem))
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
