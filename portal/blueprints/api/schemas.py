"""Request and response models of the partner API; spectree turns them into the OpenAPI spec.

A batch is validated as an envelope only (1 to 1,000 JSON objects under ``records``). Each
record's fields are then read by ``portal.activities.intake.parsing.parse_record_row``, the mapping
the CSV upload uses too, so a malformed record is answered ``rejected`` with its field errors
instead of failing the whole batch. ``RecordIn`` therefore accepts any value per field and
only *documents* the types the records must have.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from portal.activities.intake.parsing import REQUIRED_FIELDS
from portal.activities.intake.records import MAX_BATCH
from portal.text import text_problem

TIME_SCHEMA = {"type": "string", "format": "date-time"}


def _record_schema(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)
    schema["required"] = list(REQUIRED_FIELDS)
    schema["additionalProperties"] = False


class RecordIn(BaseModel):
    """One behaviour record. A record that breaks these rules is answered ``rejected`` with
    an error per field; the other records of the batch are processed normally."""

    model_config = ConfigDict(extra="allow", title="Record", json_schema_extra=_record_schema)

    external_id: Annotated[
        Any,
        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64}),
        Field(
            description=(
                "Your unique id for this record: the idempotency key. A record sent again with the "
                "same external_id is answered `duplicate` and never counted twice."
            ),
            examples=["trip-2026-11-20-000123"],
        ),
    ] = None
    user_ref: Annotated[
        Any,
        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64}),
        Field(
            description=("How you refer to the citizen; set by POST /api/v1/links."),
            examples=["card-7741"],
        ),
    ] = None
    scenario: Annotated[
        Any,
        WithJsonSchema({"type": "string", "maxLength": 16}),
        Field(
            description=("Code of a filed methodology this partner is authorised for."),
            examples=["JLCH-TR-008"],
        ),
    ] = None
    quantity: Annotated[
        Any,
        WithJsonSchema({"type": ["string", "number"]}),
        Field(
            description=(
                "Greater than zero, at most three decimal places, in `unit`. Read as a decimal, "
                'never through binary floating point; a string such as "12.5" is safest.'
            ),
            examples=["12.5"],
        ),
    ] = None
    unit: Annotated[
        Any,
        WithJsonSchema({"type": "string", "maxLength": 20}),
        Field(
            description=(
                "Unit of the quantity, convertible to the methodology's activity unit "
                "(km, kg, kWh)."
            ),
            examples=["km"],
        ),
    ] = None
    occurred_at: Annotated[
        Any,
        WithJsonSchema(TIME_SCHEMA),
        Field(
            description=(
                "When the behaviour happened (a trip: when it started): ISO 8601 with a UTC "
                "offset; times without an offset are refused. Not in the future, not older than "
                "30 days."
            ),
            examples=["2026-11-20T08:30:00+08:00"],
        ),
    ] = None
    ended_at: Annotated[
        Any,
        WithJsonSchema(TIME_SCHEMA),
        Field(
            description=(
                "Trips: when it ended, ISO 8601 with a UTC offset; at most 24 hours after "
                "occurred_at."
            ),
            examples=["2026-11-20T09:05:00+08:00"],
        ),
    ] = None
    parameters: Annotated[
        Any,
        WithJsonSchema({"type": "object", "additionalProperties": {"type": ["string", "number"]}}),
        Field(
            description=(
                "Record parameters the methodology declares (decimal values, flags 0 or 1). "
                "A value outside the plausible range the methodology declares for it "
                "(`GET /methodologies/<code>`) is accepted but flagged `parameter_out_of_range`."
            ),
            examples=[{"baseline_kwh": "18"}],
        ),
    ] = None
    note: Annotated[
        Any,
        WithJsonSchema({"type": "string", "maxLength": 200}),
        Field(
            description=("Free text shown to reviewers."),
            examples=["line 2, Changchun"],
        ),
    ] = None


class BehaviorBatch(BaseModel):
    """A batch of 1 to 1,000 behaviour records."""

    model_config = ConfigDict(extra="forbid")

    records: list[RecordIn] = Field(min_length=1, max_length=MAX_BATCH)


class FieldError(BaseModel):
    field: str = Field(description="The request field, e.g. `quantity` or `records.3`.")
    message: str


class RecordResult(BaseModel):
    index: int = Field(description="Position of the record in the request, from 0.")
    external_id: str | None
    status: Literal["accepted", "duplicate", "rejected"] = Field(
        description="`accepted`: recorded (pending quantification, or held for review when "
        "`flags` is not empty; a citizen's own report of the same act is replaced by it); "
        "`duplicate`: this external_id was sent before, `record_id` is the first one — or, "
        "with flag `already_counted_self_report`, the act was already counted from the "
        "citizen's own report and could not be replaced, so this record is not counted; "
        "`rejected`: nothing recorded, see `errors`."
    )
    record_id: int | None
    flags: list[str] = Field(
        description="Why an accepted record waits for an ecology official, e.g. "
        "`quantity_above_plausible`, `parameter_out_of_range`, `speed_implausible`, "
        "`overlapping_trip`."
    )
    errors: list[FieldError]


class BatchResult(BaseModel):
    results: list[RecordResult]
    accepted: int
    duplicates: int
    rejected: int


NO_NUL = r"^[^\x00]*$"  # no text column can hold U+0000


def _plain_text(value: str) -> str:
    """``portal.text.text_problem``'s rule, its message as the field's error."""
    problem = text_problem(value)
    if problem is not None:
        raise PydanticCustomError("plain_text", str(problem))
    return value


# A string of one line a person may read: the API's string fields (a record's fields are held
# to the same rule by ``parse_record_row``).
PlainStr = Annotated[str, AfterValidator(_plain_text)]


class LinkRequest(BaseModel):
    """Redeem the one-time code a citizen gave your app and name them ``user_ref``."""

    model_config = ConfigDict(extra="forbid")

    code: PlainStr = Field(min_length=1, max_length=16, pattern=NO_NUL, examples=["K7PQ2M9X"])
    user_ref: PlainStr = Field(min_length=1, max_length=64, pattern=NO_NUL, examples=["card-7741"])


class LinkResult(BaseModel):
    user_ref: str
    linked: bool


class ApiError(BaseModel):
    """Every error answer of the API."""

    error: str = Field(description="Machine-readable code, e.g. `invalid_signature`.")
    status: int
    detail: str = Field(description="What went wrong, in English.")
    errors: list[FieldError] = Field(
        default_factory=list, description="The fields at fault, when there are any."
    )
