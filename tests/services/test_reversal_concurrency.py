"""Partner data replacing credited self-reports while the quantify job runs, on PostgreSQL: no
deadlock, each self-report's reduction reversed exactly once, cap usage equal to the live
reductions, and the ledger verifies.

Two partners send the same acts in opposite orders (their calls lock the citizens' own reports
in opposite orders, so PostgreSQL may abort one, which is retried) while a quantify worker
credits other rides of the same people on the same day (the same cap-usage rows, then the
ledger chain head — the order the reversals take too). The threads commit, so the test runs in
a database of its own.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, select

from portal.activities.intake import partner_records, records
from portal.activities.models import (
    BehaviorRecord,
    CapUsage,
    Channel,
    RecordStatus,
    Reduction,
)
from portal.activities.quantify import quantify_pending
from portal.extensions import db
from portal.ledger.models import LedgerTransaction
from portal.ledger.queries import get_balance
from portal.ledger.verification import verify
from portal.methodology.engine import buckets_for
from portal.methodology.services import seed_filed_methodologies
from tests import factories
from tests.conftest import needs_postgresql

USERS = 24
EXTRA_RIDES = 5  # 2 km each, quantified while the partners' records arrive
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
RIDE = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

pytestmark = needs_postgresql("SQLite lets one writer in at a time")


def _fill(app: Flask) -> tuple[list[int], list[int]]:
    """Users whose 5 km self-reported ride is credited (200 points), each with pending rides
    for the quantify worker, and two partners linked to all of them."""
    with app.app_context():
        seed_filed_methodologies()
        cycling = factories.methodology_id("JLCH-TR-003")
        users = [factories.make_user().id for _ in range(USERS)]
        partners = [factories.make_partner(["JLCH-TR-003"]) for _ in range(2)]
        for user_id in users:
            for partner in partners:
                factories.link(partner, db.session.get(factories.User, user_id), f"u{user_id}")
        db.session.execute(
            insert(BehaviorRecord),
            [
                factories.record_row(
                    u, cycling, RIDE, 5000, channel=Channel.SELF_REPORT, minutes=20
                )
                for u in users
            ],
        )
        db.session.commit()
        assert quantify_pending(points_per_kg=1000).quantified == USERS
        db.session.execute(
            insert(BehaviorRecord),
            [
                factories.record_row(
                    u, cycling, RIDE + timedelta(hours=2, minutes=30 * n), 2000, minutes=20
                )
                for u in users
                for n in range(EXTRA_RIDES)
            ],
        )
        db.session.commit()
        ids = [p.id for p in partners]
        db.session.remove()
        return users, ids


def _rides(
    users: list[int], km: int, at: datetime, id_prefix: str, ref_prefix: str
) -> list[records.RecordInput]:
    """A 20-minute ride of ``km`` from ``at`` for each user, in their order; the external id
    and the user reference are the prefixes followed by the user id."""
    return [
        factories.ride(
            quantity=Decimal(km),
            occurred_at=at,
            ended_at=at + timedelta(minutes=20),
            external_id=f"{id_prefix}{user_id}",
            user_ref=f"{ref_prefix}{user_id}",
        )
        for user_id in users
    ]


def _send(partner_id: int, users: list[int]) -> list[records.Outcome]:
    return partner_records.submit_partner_records(
        partner_id=partner_id,
        items=_rides(users, 5, RIDE, f"p{partner_id}-u", "u"),
        channel=Channel.PARTNER_API,
        now=NOW,
    )


def test_replacing_while_quantifying(pg_app: Flask) -> None:
    users, (first, second) = _fill(pg_app)
    start = threading.Barrier(3, timeout=60)
    errors: list[BaseException] = []
    outcomes: list[records.Outcome] = []

    def run(job: Callable[[], Any]) -> Callable[[], None]:
        def work() -> None:
            try:
                with pg_app.app_context():
                    start.wait()
                    result = job()
                    if isinstance(result, list):
                        outcomes.extend(result)
            except BaseException as error:  # surfaced below
                errors.append(error)

        return work

    threads = [
        threading.Thread(target=run(lambda: _send(first, users))),
        threading.Thread(target=run(lambda: _send(second, users[::-1]))),
        threading.Thread(target=run(lambda: quantify_pending(points_per_kg=1000, batch_size=7))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert [o.status for o in outcomes] == ["accepted"] * (2 * USERS)

    with pg_app.app_context():
        quantify_pending(points_per_kg=1000)
        reversals = db.session.scalar(
            select(func.count(LedgerTransaction.id)).where(
                LedgerTransaction.kind == "reduction_reversal"
            )
        )
        assert reversals == USERS
        own = list(
            db.session.scalars(
                select(BehaviorRecord).where(BehaviorRecord.channel == Channel.SELF_REPORT.value)
            )
        )
        assert {r.status for r in own} == {RecordStatus.SUPERSEDED}
        replacements = {r.superseded_by_id for r in own}
        partner_records = list(
            db.session.scalars(
                select(BehaviorRecord).where(BehaviorRecord.external_id.is_not(None))
            )
        )
        for record in partner_records:
            if record.id in replacements:
                assert record.status == RecordStatus.QUANTIFIED
            else:  # the other partner's copy of the act overlaps the one that replaced it
                assert record.status == RecordStatus.FLAGGED
                assert record.flags == ["overlapping_trip"]
        live = list(db.session.scalars(select(Reduction).where(Reduction.is_live())))
        assert len(live) == USERS * (EXTRA_RIDES + 1)
        for user_id in users:
            assert get_balance(user_id) == EXTRA_RIDES * 80 + 200
        # Cap usage is exactly what the live reductions consumed, bucket by bucket.
        expected: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
        for r in live:
            for bucket in buckets_for(r.occurred_at):
                values = expected[(r.user_id, r.methodology_id, bucket.period, bucket.start)]
                values[0] += r.net_grams
                values[1] += r.credited_quantity_milli
                values[2] += int(r.is_counted)
        rows = list(db.session.scalars(select(CapUsage)))
        assert rows
        for row in rows:
            key = (row.user_id, row.methodology_id, row.period, row.bucket_start)
            assert [row.grams, row.quantity_milli, row.records] == expected[key], key
        report = verify()
        assert report.ok, report.problems
        db.session.remove()


def _race(app: Flask, partner_id: int, batches: list[list[records.RecordInput]]) -> list[str]:
    """Submit the batches from as many threads, started together; the outcomes' statuses."""
    start = threading.Barrier(len(batches), timeout=60)
    errors: list[BaseException] = []
    statuses: list[str] = []

    def send(items: list[records.RecordInput]) -> None:
        try:
            with app.app_context():
                start.wait()
                outcomes = partner_records.submit_partner_records(
                    partner_id=partner_id, items=items, channel=Channel.PARTNER_API, now=NOW
                )
                statuses.extend(o.status for o in outcomes)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(items,)) for items in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and not any(t.is_alive() for t in threads)
    return statuses


def test_the_same_records_sent_twice_in_opposite_orders(pg_app: Flask) -> None:
    """Two calls (a retry racing the original) send the same external ids in opposite orders.
    Without the calls of one partner taking turns, PostgreSQL failed one with a deadlock; now
    every record is stored once, answered accepted by one call and duplicate by the other."""
    with pg_app.app_context():
        seed_filed_methodologies()
        partner = factories.make_partner(["JLCH-TR-003"])
        users = [factories.make_user() for _ in range(30)]
        for user in users:
            factories.link(partner, user, f"o{user.id}")
        ids, partner_id = [u.id for u in users], partner.id
        db.session.remove()

    for round_ in range(5):
        items = _rides(ids, 3, RIDE + timedelta(hours=round_), f"r{round_}-u", "o")
        statuses = _race(pg_app, partner_id, [items, items[::-1]])
        assert sorted(statuses) == ["accepted"] * len(ids) + ["duplicate"] * len(ids)
    with pg_app.app_context():
        stored = db.session.scalar(
            select(func.count(BehaviorRecord.id)).where(BehaviorRecord.partner_id == partner_id)
        )
        assert stored == 5 * len(ids)
