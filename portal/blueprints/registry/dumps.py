"""The registry's open data: every issued batch and every block of them, as CSV and as JSON,
streamed row by row (``/registry/data`` documents the columns). Organisations are named as
holders; no person is in either dump."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import current_app, stream_with_context
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.blueprints.registry import bp
from portal.market import queries
from portal.market.models import Batch
from portal.market.serials import block_text
from portal.web.csv_text import BOM, csv_row, neutralise

Columns = tuple[tuple[str, Any], ...]  # (name, what it holds: a lazy translated string)

BATCH_COLUMNS: Columns = (
    ("batch", _l("The batch's label: CN-JL-PH, methodology code, vintage, batch number")),
    ("methodology_code", _l("Code of the filed methodology the reductions were quantified by")),
    ("methodology_zh", _l("The methodology's title in Chinese")),
    ("methodology_en", _l("The methodology's title in English")),
    ("vintage", _l("Month of the behaviours, YYYYMM (Asia/Shanghai)")),
    ("batch_no", _l("Number of the batch within its methodology and vintage")),
    ("serials", _l("Every serial number of the batch, 1 to its total, as a range")),
    ("total_tonnes", _l("Tonnes of CO₂e the batch holds, its buffer included")),
    ("issued_tonnes", _l("Tonnes issued for sale (the total less the buffer)")),
    ("buffer_tonnes", _l("Tonnes set aside at issue as a buffer against reversals")),
    ("available_tonnes", _l("Tonnes for sale now")),
    ("reserved_tonnes", _l("Tonnes reserved for unpaid orders")),
    ("held_tonnes", _l("Tonnes held by organisations")),
    ("retired_tonnes", _l("Tonnes retired (final)")),
    ("cancelled_tonnes", _l("Tonnes cancelled (final)")),
    ("in_buffer_tonnes", _l("Tonnes in the buffer now")),
    ("issued_at", _l("When the batch was issued, UTC, ISO 8601")),
    ("records", _l("Reductions pooled into the batch")),
    ("citizens", _l("Distinct citizens whose reductions are in the batch (a count only)")),
    ("sample_size", _l("Records drawn into the audit sample")),
    ("sample_rule", _l("Code of the rule that set the sample's size")),
    ("sample_seed", _l("Seed the sample was drawn with, to draw it again")),
    ("sample_failed", _l("Sampled records the reviewing official failed")),
)
BLOCK_COLUMNS: Columns = (
    ("batch", _l("The batch's label")),
    ("start_serial", _l("First serial number of the block, within its batch")),
    ("end_serial", _l("Last serial number of the block (inclusive)")),
    ("serials", _l("The block's serial numbers as text")),
    ("tonnes", _l("Tonnes in the block: one serial number each")),
    ("state", _l("available, reserved, held, retired, cancelled or buffer")),
    ("holder_zh", _l("Chinese name of the organisation holding (or having retired) the block")),
    ("holder_en", _l("English name of that organisation")),
)


def _batch_record(row: tuple[Any, ...]) -> list[Any]:
    batch: Batch = row[0]
    issued_at = batch.issued_at.isoformat() if batch.issued_at else ""
    return [
        batch.label, batch.methodology_code, row[1], row[2], batch.vintage, batch.batch_no,
        block_text(batch.label, 1, batch.total_tonnes), batch.total_tonnes, batch.issued_tonnes,
        batch.buffer_tonnes, *(int(tonnes) for tonnes in row[3:]), issued_at,
        batch.contribution_count, batch.contributor_count, batch.sample_size, batch.sample_rule,
        batch.sample_seed, batch.sample_failed,
    ]  # fmt: skip


def _block_record(row: tuple[Any, ...]) -> list[Any]:
    label, start, end, state, zh, en = row
    return [label, start, end, block_text(label, start, end), end - start + 1, state, zh, en]


def _csv(columns: Columns, records: Iterable[list[Any]]) -> Iterator[str]:
    yield BOM + csv_row(*(name for name, _ in columns))
    for record in records:
        yield csv_row(*(neutralise(v) if isinstance(v, str) else v for v in record))


def _json(columns: Columns, records: Iterable[list[Any]]) -> Iterator[str]:
    names = [name for name, _ in columns]
    separator = "[\n"
    for record in records:
        yield separator + json.dumps(dict(zip(names, record, strict=True)), ensure_ascii=False)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def _download(chunks: Iterator[str], name: str, mimetype: str) -> Response:
    response = current_app.response_class(
        stream_with_context(chunks), content_type=f"{mimetype}; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _dump(
    kind: str, columns: Columns, rows: Callable[[], Iterator[tuple[Any, ...]]], record: Any
) -> tuple[Callable[[], Response], Callable[[], Response]]:
    def as_csv() -> Response:
        records = (record(row) for row in rows())
        return _download(_csv(columns, records), f"registry-{kind}.csv", "text/csv")

    def as_json() -> Response:
        records = (record(row) for row in rows())
        return _download(_json(columns, records), f"registry-{kind}.json", "application/json")

    return as_csv, as_json


batches_csv, batches_json = _dump("batches", BATCH_COLUMNS, queries.iter_batch_dump, _batch_record)
blocks_csv, blocks_json = _dump("blocks", BLOCK_COLUMNS, queries.iter_block_dump, _block_record)
bp.add_url_rule("/batches.csv", "batches_csv", batches_csv)
bp.add_url_rule("/batches.json", "batches_json", batches_json)
bp.add_url_rule("/blocks.csv", "blocks_csv", blocks_csv)
bp.add_url_rule("/blocks.json", "blocks_json", blocks_json)
