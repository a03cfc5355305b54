"""Reads for citizens' records and reductions, and the officials' review queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, select

from portal.activities.models import (
    AccountLink,
    BehaviorRecord,
    Partner,
    RecordQueue,
    RecordStatus,
    Reduction,
    ReductionTotal,
)
from portal.clock import SHANGHAI, local_midnight
from portal.db import session
from portal.methodology.models import Methodology
from portal.pagination import KeysetPage, keyset_page, paginate_rows

LIST_KEY = (datetime, int)  # the key the citizen's lists page by: (occurred_at, id)


def list_records(user_id: int, bookmark: str = "") -> KeysetPage:
    """A citizen's records, newest behaviour first, with methodology and reduction loaded (a
    superseded self-report keeps its reversed reduction, so the page can say it was taken back).
    Paged by key from ``bookmark``: one index range, whatever the page."""
    stmt = (
        select(BehaviorRecord, Methodology, Reduction)
        .join(Methodology, BehaviorRecord.methodology_id == Methodology.id)
        .outerjoin(Reduction, Reduction.record_id == BehaviorRecord.id)
        .where(BehaviorRecord.user_id == user_id)
        .order_by(BehaviorRecord.occurred_at.desc(), BehaviorRecord.id.desc())
    )
    return keyset_page(stmt, bookmark, LIST_KEY)


def get_reduction_for_user(user_id: int, reduction_id: int) -> tuple[Reduction, Methodology] | None:
    """A reduction with its methodology, only if it belongs to ``user_id``. Reversed ones too:
    their explanation stays readable, with a notice that partner data replaced them."""
    row = (
        session()
        .execute(
            select(Reduction, Methodology)
            .join(Methodology, Reduction.methodology_id == Methodology.id)
            .where(Reduction.id == reduction_id, Reduction.user_id == user_id)
        )
        .first()
    )
    return (row[0], row[1]) if row else None


def get_live_reduction_id(user_id: int, record_id: int) -> int | None:
    """The id of the live reduction of the citizen's record ``record_id``, if it has one yet."""
    return session().scalar(
        select(Reduction.id).where(
            Reduction.record_id == record_id, Reduction.user_id == user_id, Reduction.is_live()
        )
    )


def list_reductions(user_id: int, bookmark: str = "") -> KeysetPage:
    """A citizen's reductions that count (reversed ones are left out), newest first, paged by
    key from ``bookmark``."""
    stmt = (
        select(Reduction, Methodology)
        .join(Methodology, Reduction.methodology_id == Methodology.id)
        .where(Reduction.user_id == user_id, Reduction.is_live())
        .order_by(Reduction.occurred_at.desc(), Reduction.id.desc())
    )
    return keyset_page(stmt, bookmark, LIST_KEY)


@dataclass(frozen=True)
class Totals:
    grams: int
    points: int
    reductions: int


def get_totals(user_id: int) -> Totals:
    """Net grams, points earned and number of the citizen's reductions that count: their rows
    of ``reduction_totals`` (one per methodology, kept by triggers: migration 0011) summed."""
    grams, points, count = (
        session()
        .execute(
            select(
                func.coalesce(func.sum(ReductionTotal.net_grams), 0),
                func.coalesce(func.sum(ReductionTotal.points), 0),
                func.coalesce(func.sum(ReductionTotal.reductions), 0),
            ).where(ReductionTotal.user_id == user_id)
        )
        .one()
    )
    return Totals(int(grams), int(points), int(count))


def grams_by_category(user_id: int) -> dict[str, int]:
    """Net grams per methodology category (only categories with live reductions), from the
    citizen's rows of ``reduction_totals``."""
    rows = session().execute(
        select(Methodology.category, func.sum(ReductionTotal.net_grams))
        .join(Methodology, ReductionTotal.methodology_id == Methodology.id)
        .where(ReductionTotal.user_id == user_id, ReductionTotal.reductions > 0)
        .group_by(Methodology.category)
    )
    return {category: int(grams or 0) for category, grams in rows}


def grams_by_day(user_id: int, days: int, today: date) -> list[tuple[date, int]]:
    """Net grams of live reductions per Asia/Shanghai day for the ``days`` days ending ``today``
    (zeros included)."""
    first = today - timedelta(days=days - 1)
    start = local_midnight(first)
    day = _local_day(Reduction.occurred_at)
    rows = session().execute(
        select(day, func.sum(Reduction.net_grams))
        .where(Reduction.user_id == user_id, Reduction.occurred_at >= start, Reduction.is_live())
        .group_by(day)
    )
    totals = {first + timedelta(days=i): 0 for i in range(days)}
    for local, grams in rows:
        local_day = local if isinstance(local, date) else date.fromisoformat(local)
        if local_day in totals:
            totals[local_day] += int(grams)
    return sorted(totals.items())


def _local_day(column: SQLColumnExpression[datetime]) -> ColumnElement[Any]:
    """The Asia/Shanghai date of a UTC timestamp column, computed by the database, so a day's
    grams are summed there rather than row by row here. SQLite has no time zones: it adds the
    eight hours Shanghai has kept all year since 1991 (the charts show recent days only)."""
    if session().get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(SHANGHAI.key, column))
    return func.date(column, "+8 hours")


def _flagged() -> ColumnElement[bool]:
    """The review queue's rows (kept by triggers: migration 0007)."""
    return RecordQueue.queue == RecordStatus.FLAGGED.value


def list_flagged(page: int = 1) -> Pagination:
    """Records waiting for an official, oldest first (appeals included)."""
    stmt = (
        select(BehaviorRecord, Methodology)
        .join(RecordQueue, and_(RecordQueue.record_id == BehaviorRecord.id, _flagged()))
        .join(Methodology, BehaviorRecord.methodology_id == Methodology.id)
        .order_by(BehaviorRecord.created_at, BehaviorRecord.id)
    )
    return paginate_rows(stmt, page)


def count_flagged() -> int:
    return session().scalar(select(func.count()).where(_flagged())) or 0


def list_links(user_id: int) -> list[AccountLink]:
    return list(
        session().scalars(
            select(AccountLink)
            .where(AccountLink.user_id == user_id, AccountLink.unlinked_at.is_(None))
            .order_by(AccountLink.linked_at.desc())
        )
    )


def get_partner_names(partner_ids: Iterable[int]) -> dict[int, str]:
    """Names of these partner platforms, by id, in one query."""
    rows = session().execute(
        select(Partner.id, Partner.name).where(Partner.id.in_(list(partner_ids)))
    )
    return {partner_id: name for partner_id, name in rows}
