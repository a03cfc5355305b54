"""Checks every incoming behaviour record meets, whichever channel it came through.

``check_record`` is pure: it refuses what is malformed (a Problem names the field) and flags
what is merely implausible (the record is kept and waits for an official); ``check_channel_record``
adds what every channel checks first against the methodology (known, not suspended, a version in
force, self-reports allowed). Checks that need other records — duplicates, overlapping trips, the
same act through two channels — live in ``portal.activities.intake.same_act``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.activities.intake.records import Problem, RecordInput, RecordRefused
from portal.activities.models import QUANTITY_SCALE
from portal.clock import SHANGHAI
from portal.methodology.engine import RecordParameter
from portal.methodology.models import Methodology, MethodologyStatus, MethodologyVersion
from portal.methodology.queries import FiledVersions
from portal.methodology.units import UnitMismatch, UnknownUnit, convert, get_unit
from portal.methodology.versions import VersionSpec, is_outside_range

MAX_AGE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)
MAX_TRIP = timedelta(hours=24)
# Beyond this multiple of the plausible maximum a quantity is absurd: refused, not reviewed.
ABSURD_MULTIPLE = 10
ABSURD_QUANTITY = Decimal(10) ** 9
NIGHT_HOURS = range(0, 5)  # 00:00–04:59 Asia/Shanghai

FLAG_QUANTITY = "quantity_above_plausible"
FLAG_SPEED = "speed_implausible"
FLAG_HOUR = "unusual_hour"
FLAG_EVIDENCE = "duplicate_evidence"
FLAG_OVERLAP = "overlapping_trip"
FLAG_COUNTED = "already_counted_self_report"
FLAG_PARAMETER = "parameter_out_of_range"

FLAG_LABELS = {
    FLAG_QUANTITY: _l("The quantity is above what one record plausibly holds."),
    FLAG_SPEED: _l("The average speed is implausible for this kind of trip."),
    FLAG_HOUR: _l("Recorded at an unusual hour of the night."),
    FLAG_EVIDENCE: _l("The same photo was used before."),
    FLAG_OVERLAP: _l("The trip overlaps another trip of the same person."),
    FLAG_PARAMETER: _l("A value the record carries is outside the methodology's plausible range."),
    # Only when the points of that report were already spent; otherwise partner data replaces it.
    FLAG_COUNTED: _l(
        "The same act was already counted from the citizen's own report and could not be "
        "replaced by partner data."
    ),
}


@dataclass(frozen=True)
class Checked:
    """A record that passed the checks: its quantity in thousandths and any review flags."""

    quantity_milli: int
    parameters: dict[str, str]
    flags: list[str] = field(default_factory=list)


_FAR_BEYOND = _l("The quantity is far beyond anything one record can hold.")


def parse_decimal(raw: Any) -> Decimal | None:
    """A finite Decimal from a string or number (never through float), else None."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _check_quantity(
    quantity: Decimal, unit: str, spec: VersionSpec, problems: list[Problem]
) -> Decimal | None:
    if quantity <= 0:
        problems.append(Problem("quantity", _l("The quantity must be greater than zero.")))
        return None
    if quantity > ABSURD_QUANTITY:  # before quantize, which cannot hold a number this long
        problems.append(Problem("quantity", _FAR_BEYOND))
        return None
    if quantity != quantity.quantize(Decimal("0.001")):
        problems.append(Problem("quantity", _l("Use at most three decimal places.")))
        return None
    try:
        get_unit(unit)
        in_activity_unit = convert(quantity, unit, spec.activity_unit)
    except UnknownUnit:
        problems.append(Problem("unit", _l("Unknown unit.")))
        return None
    except UnitMismatch:
        problems.append(
            Problem(
                "unit",
                _l(
                    "This behaviour is measured in %(unit)s, not in that unit.",
                    unit=spec.activity_unit,
                ),
            )
        )
        return None
    ceiling = spec.plausibility.max_quantity
    if ceiling is not None and in_activity_unit > ceiling * ABSURD_MULTIPLE:
        problems.append(Problem("quantity", _FAR_BEYOND))
        return None
    return in_activity_unit


def _check_times(
    occurred_at: datetime, ended_at: datetime | None, now: datetime, problems: list[Problem]
) -> None:
    if occurred_at.tzinfo is None:
        problems.append(Problem("occurred_at", _l("The time must include a time zone.")))
        return
    if occurred_at > now + CLOCK_SKEW:
        problems.append(Problem("occurred_at", _l("The behaviour cannot be in the future.")))
    elif occurred_at < now - MAX_AGE:
        problems.append(
            Problem("occurred_at", _l("Behaviours older than 30 days cannot be recorded."))
        )
    if ended_at is None:
        return
    if ended_at.tzinfo is None:
        problems.append(Problem("ended_at", _l("The time must include a time zone.")))
    elif ended_at <= occurred_at:
        problems.append(Problem("ended_at", _l("The end must come after the start.")))
    elif ended_at - occurred_at > MAX_TRIP:
        problems.append(Problem("ended_at", _l("One record covers at most 24 hours.")))
    elif ended_at > now + CLOCK_SKEW:
        problems.append(Problem("ended_at", _l("The behaviour cannot be in the future.")))


def _check_parameters(
    raw: dict[str, Any], spec: VersionSpec, problems: list[Problem]
) -> dict[str, str]:
    known = {p.name: p for p in spec.parameters}
    for name in raw:
        if name not in known:
            problems.append(
                Problem(f"parameters.{name}", _l("This behaviour takes no such parameter."))
            )
    cleaned: dict[str, str] = {}
    for parameter in spec.parameters:
        if parameter.name not in raw or raw[parameter.name] in ("", None):
            if parameter.default is None:
                problems.append(
                    Problem(f"parameters.{parameter.name}", _l("This value is required."))
                )
            continue
        value = parse_decimal(raw[parameter.name])
        if value is None or value < 0:
            problems.append(
                Problem(f"parameters.{parameter.name}", _l("Enter a number of zero or more."))
            )
        elif parameter.is_flag and value not in (0, 1):
            problems.append(Problem(f"parameters.{parameter.name}", _l("Enter 0 (no) or 1 (yes).")))
        elif value > ABSURD_QUANTITY:
            problems.append(
                Problem(f"parameters.{parameter.name}", _l("The value is far too large."))
            )
        else:
            cleaned[parameter.name] = str(value)
    return cleaned


def check_record(
    *,
    spec: VersionSpec,
    quantity: Decimal,
    unit: str,
    occurred_at: datetime,
    ended_at: datetime | None,
    parameters: dict[str, Any],
    now: datetime,
    is_self_report: bool,
    category: str,
    ranges: Sequence[RecordParameter] | None = None,
) -> Checked:
    """Refuse a malformed record (``RecordRefused``) or return it with its review flags.

    ``ranges`` are the parameters whose plausible ranges screen the record's values (by default
    the spec's own; see :func:`screening_ranges`)."""
    problems: list[Problem] = []
    in_activity_unit = _check_quantity(quantity, unit, spec, problems)
    _check_times(occurred_at, ended_at, now, problems)
    cleaned = _check_parameters(parameters, spec, problems)
    if problems or in_activity_unit is None:
        raise RecordRefused(problems)
    flags: list[str] = []
    if any(
        p.name in cleaned and is_outside_range(p, Decimal(cleaned[p.name]))
        for p in (spec.parameters if ranges is None else ranges)
    ):
        flags.append(FLAG_PARAMETER)
    ceiling = spec.plausibility.max_quantity
    if ceiling is not None and in_activity_unit > ceiling:
        flags.append(FLAG_QUANTITY)
    max_speed = spec.plausibility.max_speed_kmh
    if max_speed is not None and ended_at is not None:
        kilometres = convert(quantity, unit, "km") if get_unit(unit).dimension == "length" else None
        hours = Decimal((ended_at - occurred_at).total_seconds()) / Decimal(3600)
        if kilometres is not None and kilometres / hours > max_speed:
            flags.append(FLAG_SPEED)
    if (
        is_self_report
        and category == "transport"
        and occurred_at.astimezone(SHANGHAI).hour in NIGHT_HOURS
    ):
        flags.append(FLAG_HOUR)
    return Checked(quantity_milli=int(quantity * QUANTITY_SCALE), parameters=cleaned, flags=flags)


def screening_ranges(
    spec: VersionSpec, filed: Sequence[tuple[MethodologyVersion, VersionSpec]]
) -> list[RecordParameter]:
    """The plausible range each of ``spec``'s parameters is screened against: its own, or where
    it declares none (a version filed before ranges were declared) the newest filed version's
    range for a parameter of that name. A range only sends a record to review; the version in
    force still quantifies it."""
    newest = {
        p.name: p
        for _version, other in sorted(filed, key=lambda pair: pair[0].version_no)
        for p in other.parameters
        if p.plausible_max is not None
    }
    return [p if p.plausible_max is not None else newest.get(p.name, p) for p in spec.parameters]


def check_channel_record(
    methodology: Methodology | None,
    versions: FiledVersions,
    item: RecordInput,
    *,
    now: datetime,
    is_self_report: bool,
) -> tuple[VersionSpec, Checked]:
    """Shape and plausibility checks shared by every channel; RecordRefused on failure.
    Returns the spec of the version in force at the record's time and the checked values."""
    if methodology is None:
        raise RecordRefused([Problem("methodology", _l("Unknown behaviour scenario."))])
    if methodology.status == MethodologyStatus.SUSPENDED:
        raise RecordRefused(
            [
                Problem(
                    "methodology",
                    _l("This methodology is suspended; records are not accepted now."),
                )
            ]
        )
    if item.quantity is None:
        raise RecordRefused([Problem("quantity", _l("The quantity must be a number."))])
    if item.occurred_at.tzinfo is None:
        raise RecordRefused([Problem("occurred_at", _l("The time must include a time zone."))])
    found = versions.in_force(methodology.id, item.occurred_at)
    if found is None:
        raise RecordRefused(
            [Problem("methodology", _l("No filed methodology version was in force at that time."))]
        )
    _version, spec = found
    if is_self_report and not spec.self_report:
        raise RecordRefused(
            [
                Problem(
                    "methodology", _l("This behaviour can only be reported by a partner platform.")
                )
            ]
        )
    checked = check_record(
        spec=spec,
        quantity=item.quantity,
        unit=item.unit,
        occurred_at=item.occurred_at,
        ended_at=item.ended_at,
        parameters=item.parameters,
        now=now,
        is_self_report=is_self_report,
        category=methodology.category,
        ranges=screening_ranges(spec, versions.of(methodology.id)),
    )
    return spec, checked


def requires_photo(spec: VersionSpec) -> bool:
    """A self-report needs an uploaded image — a photo, or a picture of the document (GPS
    track, invoice, certificate) — whenever the methodology does not accept a bare claim."""
    tiers = set(spec.evidence_tiers)
    return "self_report" not in tiers and bool(tiers & {"photo", "document"})
