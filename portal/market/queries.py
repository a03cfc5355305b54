"""Reads of the registry. The public registry's reads show issued batches only, and of a block
its serials, state and — when held or retired — the holding organisation: nothing about a
person (a citizen's contribution is counted, never named)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import aliased

from portal.accounts.models import Organisation
from portal.activities.models import Reduction
from portal.db import session
from portal.market.models import (
    Batch,
    BatchStatus,
    BlockState,
    Contribution,
    Retirement,
    SerialBlock,
)
from portal.market.serials import batch_label, block_text, parse
from portal.methodology.models import Methodology
from portal.pagination import paginate_rows

BLOCKS_PER_PAGE = 50
FOUND_MAX = 50  # blocks a range search lists
DUMP_CHUNK = 2_000  # rows fetched per round trip while a dump streams
_TONNES = SerialBlock.end_serial - SerialBlock.start_serial + 1
_NAMED_STATES = (BlockState.HELD.value, BlockState.RETIRED.value)


@dataclass(frozen=True)
class PublicBatch:
    """An issued batch, its methodology's titles and its tonnes by block state."""

    batch: Batch
    title_zh: str
    title_en: str
    tonnes: Mapping[str, int]

    @property
    def serials(self) -> str:
        """``CN-JL-PH-…-1-N``: every serial of the batch, its buffer included."""
        return block_text(self.batch.label, 1, self.batch.total_tonnes)


@dataclass(frozen=True)
class Evidence:
    """What a batch was made of and how it was audited."""

    records: int
    citizens: int
    scenarios: int
    sample_size: int
    sample_rule: str
    sample_seed: str
    sample_failed: int


@dataclass(frozen=True)
class SerialSearch:
    """The batch a searched serial (or range) names and its blocks holding those serials."""

    batch: PublicBatch
    blocks: list[tuple[Any, ...]]  # rows as list_batch_blocks gives them
    first: int
    last: int


def _issued() -> Select[Batch, str, str]:
    return (
        select(Batch, Methodology.title_zh, Methodology.title_en)
        .join(Methodology, Methodology.id == Batch.methodology_id)
        .where(Batch.status == BatchStatus.ISSUED.value)
    )


def _tonnes_by_state(batch_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {batch_id: {} for batch_id in batch_ids}
    if batch_ids:
        for batch_id, state, tonnes in session().execute(
            select(SerialBlock.batch_id, SerialBlock.state, func.sum(_TONNES))
            .where(SerialBlock.batch_id.in_(batch_ids))
            .group_by(SerialBlock.batch_id, SerialBlock.state)
        ):
            found[batch_id][state] = int(tonnes)
    return found


def _public(rows: Sequence[tuple[Batch, str, str]]) -> list[PublicBatch]:
    tonnes = _tonnes_by_state([batch.id for batch, _, _ in rows])
    return [PublicBatch(batch, zh, en, tonnes[batch.id]) for batch, zh, en in rows]


def list_public_batches(page: int) -> tuple[Pagination, list[PublicBatch]]:
    """One page of issued batches, the latest issued first."""
    pagination = paginate_rows(_issued().order_by(Batch.issued_at.desc(), Batch.id.desc()), page)
    return pagination, _public(list(pagination.items))


def get_public_batch(batch_id: int) -> PublicBatch | None:
    """An issued batch, or None (unknown, or not issued: nothing of it is public yet)."""
    row = session().execute(_issued().where(Batch.id == batch_id)).first()
    return _public([tuple(row)])[0] if row else None  # type: ignore[list-item]


def _blocks() -> Select[int, int, str, str, str]:
    """Blocks with the name of the organisation holding (or having retired) them."""
    holder = aliased(Organisation)
    holder_id = case(
        (
            SerialBlock.state.in_(_NAMED_STATES),
            func.coalesce(SerialBlock.holder_org_id, Retirement.holder_org_id),
        ),
    )
    return (
        select(
            SerialBlock.start_serial,
            SerialBlock.end_serial,
            SerialBlock.state,
            holder.name_zh,
            holder.name_en,
        )
        .outerjoin(Retirement, Retirement.id == SerialBlock.retirement_id)
        .outerjoin(holder, holder.id == holder_id)
    )


def list_batch_blocks(batch_id: int, page: int) -> Pagination:
    """One page of a batch's blocks in serial order: ``(start, end, state, holder_zh,
    holder_en)`` rows, the holder's names only for held and retired blocks."""
    stmt = _blocks().where(SerialBlock.batch_id == batch_id).order_by(SerialBlock.start_serial)
    return paginate_rows(stmt, page, BLOCKS_PER_PAGE)


def get_evidence(batch: Batch) -> Evidence:
    """The batch's records, citizens and scenarios (distinct, of its contributions'
    reductions) and its sample audit."""
    scenarios = session().scalar(
        select(func.count(func.distinct(Methodology.scenario_code)))
        .select_from(Contribution)
        .join(Reduction, Reduction.id == Contribution.reduction_id)
        .join(Methodology, Methodology.id == Reduction.methodology_id)
        .where(Contribution.batch_id == batch.id)
    )
    return Evidence(
        records=batch.contribution_count,
        citizens=batch.contributor_count,
        scenarios=scenarios or 0,
        sample_size=batch.sample_size,
        sample_rule=batch.sample_rule,
        sample_seed=batch.sample_seed,
        sample_failed=batch.sample_failed,
    )


def find_serial(text: str) -> SerialSearch | None:
    """The issued batch and blocks holding a serial (``…-<batch no>-<n>``) or a range of them
    (``…-<start>-<end>``, at most ``FOUND_MAX`` blocks listed); None when no issued batch has
    those serials. Raises ``MalformedSerial`` for text that is not a serial number."""
    wanted = parse(text)
    row = (
        session()
        .execute(
            _issued().where(
                Batch.methodology_code == wanted.methodology_code,
                Batch.vintage == wanted.vintage,
                Batch.batch_no == wanted.batch_no,
            )
        )
        .first()
    )
    if row is None:
        return None
    batch = _public([tuple(row)])[0]  # type: ignore[list-item]
    if wanted.start > batch.batch.total_tonnes:
        return None
    blocks = session().execute(
        _blocks()
        .where(
            SerialBlock.batch_id == batch.batch.id,
            SerialBlock.start_serial <= wanted.end,
            SerialBlock.end_serial >= wanted.start,
        )
        .order_by(SerialBlock.start_serial)
        .limit(FOUND_MAX)
    )
    found = [tuple(block) for block in blocks]
    return SerialSearch(batch, found, wanted.start, wanted.end) if found else None


def iter_batch_dump() -> Iterator[tuple[Any, ...]]:
    """Every issued batch for the open-data dump, in id order, chunk by chunk: the batch, its
    methodology's titles, then its tonnes available, reserved, held, retired, cancelled and
    in the buffer."""
    states = [state.value for state in BlockState]
    sums = (
        select(
            SerialBlock.batch_id,
            *(
                func.sum(case((SerialBlock.state == state, _TONNES), else_=0)).label(state)
                for state in states
            ),
        )
        .group_by(SerialBlock.batch_id)
        .subquery()
    )
    stmt = (
        select(
            Batch,
            Methodology.title_zh,
            Methodology.title_en,
            *(func.coalesce(sums.c[state], 0) for state in states),
        )
        .join(Methodology, Methodology.id == Batch.methodology_id)
        .outerjoin(sums, sums.c.batch_id == Batch.id)
        .where(Batch.status == BatchStatus.ISSUED.value)
        .order_by(Batch.id)
    )
    for row in session().execute(stmt.execution_options(yield_per=DUMP_CHUNK)):
        yield tuple(row)


def iter_block_dump() -> Iterator[tuple[Any, ...]]:
    """Every block of the issued batches for the open-data dump, by batch and serial, chunk
    by chunk: ``(label, start, end, state, holder_zh, holder_en)``."""
    label = (Batch.methodology_code, Batch.vintage, Batch.batch_no)
    stmt = (
        _blocks()
        .add_columns(*label)
        .join(Batch, Batch.id == SerialBlock.batch_id)
        .where(Batch.status == BatchStatus.ISSUED.value)
        .order_by(SerialBlock.batch_id, SerialBlock.start_serial)
    )
    for start, end, state, zh, en, code, vintage, number in session().execute(
        stmt.execution_options(yield_per=DUMP_CHUNK)
    ):
        yield batch_label(code, vintage, number), start, end, state, zh, en
