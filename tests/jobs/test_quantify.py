"""The quantify job: grams by the version in force, caps in order of time, points credited
once, and nothing half-written when it dies mid-batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.activities.models import BehaviorRecord, Channel, RecordStatus, Reduction
from portal.activities.quantify import quantify_pending
from portal.blueprints.shared.record_reasons import record_reason
from portal.clock import utcnow
from portal.ledger import services as ledger
from portal.ledger.models import LedgerTransaction
from portal.ledger.queries import get_balance
from portal.ledger.verification import verify
from portal.methodology import services as methodology_services
from portal.methodology.versions import definition_from_spec, spec_from_definition
from tests import factories

CYCLING = "JLCH-TR-003"  # 0.04 kg CO2/km; at most 20 km a day
# 2026-11-20 in Shanghai, mid-morning.
DAY = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def add_ride(
    user: Any, methodology: Any, km: str, at: datetime, status: RecordStatus = RecordStatus.PENDING
) -> BehaviorRecord:
    """A self-reported ride of ``km`` kilometres, saved without the intake checks."""
    quantity_milli = int(Decimal(km) * 1000)
    return factories.make_record(
        user, methodology, at, quantity_milli, channel=Channel.SELF_REPORT, status=status
    )


def reductions(db: Any) -> list[Reduction]:
    return list(db.session.scalars(select(Reduction).order_by(Reduction.occurred_at)))


def test_quantifies_with_caps_in_time_order(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    cycling = methodologies[CYCLING]
    # Entered out of order: caps must follow occurred_at, not insertion.
    late = add_ride(user, cycling, "8", DAY + timedelta(hours=5))
    early = add_ride(user, cycling, "8", DAY)
    middle = add_ride(user, cycling, "8.5", DAY + timedelta(hours=2))
    report = quantify_pending(points_per_kg=1000)
    assert report.quantified == 3 and report.rejected == 0
    rows = {r.record_id: r for r in reductions(db)}
    # 8 km x 0.04 kg/km = 0.32 kg = 320 g; 8.5 km -> 340 g; the last ride has only 3.5 km of
    # the 20 km daily cap left: 320 g x 3.5 / 8 = 140 g credited, 180 g capped.
    assert (rows[early.id].gross_grams, rows[early.id].net_grams) == (320, 320)
    assert (rows[middle.id].gross_grams, rows[middle.id].net_grams) == (340, 340)
    assert (rows[late.id].gross_grams, rows[late.id].net_grams, rows[late.id].capped_grams) == (
        320,
        140,
        180,
    )
    assert rows[late.id].capped_by == "day:quantity"
    assert rows[early.id].factor_snapshot["recommended"]["value"] == "0.04"
    assert rows[early.id].parameters == {"Q": "8"}
    assert get_balance(user.id) == 800  # 1 point per gram
    assert verify().ok


def test_next_day_has_a_fresh_cap(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    cycling = methodologies[CYCLING]
    add_ride(user, cycling, "20", DAY)
    add_ride(user, cycling, "5", DAY + timedelta(hours=1))
    # 16:00 UTC is midnight in Shanghai: a new cap day.
    add_ride(user, cycling, "5", datetime(2026, 11, 20, 16, 0, tzinfo=UTC))
    quantify_pending(points_per_kg=1000)
    assert [r.net_grams for r in reductions(db)] == [800, 0, 200]
    # A later run continues from the stored usage rather than forgetting it.
    add_ride(user, cycling, "1", DAY + timedelta(hours=3))
    quantify_pending(points_per_kg=1000)
    assert reductions(db)[-2].net_grams == 0  # the same full day


def test_one_batch_caps_many_people_on_different_days(db: Any, methodologies: Any) -> None:
    # The first person (lowest id) rides on the later day: every person's usage is still found.
    first, second = factories.make_user(), factories.make_user()
    cycling = methodologies[CYCLING]
    add_ride(first, cycling, "15", DAY + timedelta(days=3))
    add_ride(first, cycling, "15", DAY + timedelta(days=3, hours=1))
    add_ride(second, cycling, "15", DAY)
    add_ride(second, cycling, "15", DAY + timedelta(hours=1))
    report = quantify_pending(points_per_kg=1000)
    assert (report.batches, report.quantified) == (1, 4)
    by_user = {
        user.id: sorted(r.net_grams for r in reductions(db) if r.user_id == user.id)
        for user in (first, second)
    }
    assert by_user == {first.id: [200, 600], second.id: [200, 600]}  # 20 km a day, 0.04 kg/km
    assert get_balance(first.id) == get_balance(second.id) == 800


def test_a_persons_backlog_is_capped_and_credited_together(db: Any, methodologies: Any) -> None:
    # Records of two people entered alternately, each person's out of time order: with batches
    # of three the job still takes one person's three records at a time, caps them in time
    # order and credits each person by one ledger entry.
    first, second = factories.make_user(), factories.make_user()
    cycling = methodologies[CYCLING]
    rides = {}
    for hours in (5, 0, 2):
        for user in (first, second):
            km = "8.5" if hours == 2 else "8"
            rides[(user.id, hours)] = add_ride(user, cycling, km, DAY + timedelta(hours=hours))
    report = quantify_pending(points_per_kg=1000, batch_size=3)
    assert (report.batches, report.quantified) == (2, 6)
    net = {r.record_id: r.net_grams for r in reductions(db)}
    for user in (first, second):
        # 320 g, 340 g, then 3.5 of the last 8 km fit the 20 km day: 140 g.
        assert [net[rides[(user.id, hours)].id] for hours in (0, 2, 5)] == [320, 340, 140]
        assert get_balance(user.id) == 800
    postings = db.session.scalars(select(LedgerTransaction).order_by(LedgerTransaction.id))
    assert [len(posting.entries) for posting in postings] == [2, 2]  # issuance and one person
    assert verify().ok


@pytest.mark.parametrize(
    ("code", "km", "gross", "net"),
    [("JLCH-TR-003", "26.28", 1051, 800), ("JLCH-TR-004", "28.478", 939, 660)],
    ids=["cycling", "e-bike"],
)
def test_a_ride_beyond_the_day_cap_is_credited_the_cap_times_the_factor(
    db: Any, methodologies: Any, code: str, km: str, gross: int, net: int
) -> None:
    # Rounded once, at the end: 20 km x 40 g/km = 800 g and 20 km x 33 g/km = 660 g, as the
    # methodologies say, not 799 g and 659 g (the rounded gross grams prorated to 20 km).
    add_ride(factories.make_user(), methodologies[code], km, DAY)
    quantify_pending(points_per_kg=1000)
    (row,) = reductions(db)
    assert (row.gross_grams, row.net_grams, row.capped_grams) == (gross, net, gross - net)
    assert (row.capped_by, row.points, row.credited_quantity_milli) == ("day:quantity", net, 20_000)


def test_stored_parameters_name_the_defaults_applied(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    ebike = methodologies["JLCH-TR-004"]
    given = add_ride(user, ebike, "3", DAY)
    given.parameters = {"is_ebike": "0"}
    default = add_ride(user, ebike, "2.5", DAY + timedelta(hours=1))
    db.session.commit()
    quantify_pending(points_per_kg=1000)
    rows = {r.record_id: r for r in reductions(db)}
    assert rows[given.id].parameters == {"Q": "3", "is_ebike": "0"}
    assert rows[default.id].parameters == {"Q": "2.5", "is_ebike": "1"}


def test_rerun_credits_nothing_twice(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    add_ride(user, methodologies[CYCLING], "10", DAY)
    quantify_pending(points_per_kg=1000)
    again = quantify_pending(points_per_kg=1000)
    assert again.quantified == 0
    assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 1
    assert get_balance(user.id) == 400


def test_points_follow_the_setting(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    add_ride(user, methodologies[CYCLING], "10", DAY)
    quantify_pending(points_per_kg=100)  # one point per 10 g
    assert get_balance(user.id) == 40


def test_death_mid_batch_writes_nothing(db: Any, methodologies: Any, monkeypatch: Any) -> None:
    user = factories.make_user()
    record = add_ride(user, methodologies[CYCLING], "10", DAY)

    def die(postings: Any) -> None:
        raise SystemExit("killed while crediting")

    monkeypatch.setattr("portal.activities.quantify.crediting.append", die)
    with pytest.raises(SystemExit):
        quantify_pending(points_per_kg=1000)
    db.session.refresh(record)
    assert record.status == RecordStatus.PENDING
    assert reductions(db) == [] and get_balance(user.id) == 0
    monkeypatch.setattr("portal.activities.quantify.crediting.append", ledger.append)
    assert quantify_pending(points_per_kg=1000).quantified == 1
    assert get_balance(user.id) == 400 and verify().ok


def rides_around_a_new_cycling_factor(methodologies: Any, value: str) -> tuple[Any, Any]:
    """A new cycling version with its first factor at ``value`` takes effect in five minutes;
    one 10 km ride before it (at DAY) and one an hour after it, both pending."""
    user = factories.make_user()
    cycling = methodologies[CYCLING]
    definition = definition_from_spec(spec_from_definition(cycling.versions[-1].definition))
    definition["factors"][0]["value"] = value
    switch = utcnow() + timedelta(minutes=5)
    methodology_services.publish_version(
        actor=factories.make_user_with_role(factories.Role.OFFICIAL),
        methodology_id=cycling.id,
        definition=definition,
        effective_from=switch,
        change_note=f"Factor {value[:20]}",
        is_saleable=True,
    )
    before = add_ride(user, cycling, "10", DAY)
    return before, add_ride(user, cycling, "10", switch + timedelta(hours=1))


def test_the_version_in_force_at_the_behaviour_is_used(db: Any, methodologies: Any) -> None:
    before, after = rides_around_a_new_cycling_factor(methodologies, "0.05")
    quantify_pending(points_per_kg=1000)
    rows = {r.record_id: r for r in reductions(db)}
    assert rows[before.id].gross_grams == 400 and rows[after.id].gross_grams == 500
    assert rows[after.id].version_id != rows[before.id].version_id


def test_a_version_computing_absurd_grams_rejects_its_records_only(
    db: Any, methodologies: Any
) -> None:
    before, after = rides_around_a_new_cycling_factor(methodologies, "1" + "0" * 300)
    report = quantify_pending(points_per_kg=1000)
    assert report.quantified == 1 and report.rejected == 1
    db.session.refresh(after)
    assert after.status == RecordStatus.REJECTED
    with force_locale("en"):
        assert "more than one record may reduce (1000000000000 g)" in record_reason(after)
    assert [r.record_id for r in reductions(db)] == [before.id]


def test_record_without_a_version_in_force_is_rejected(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    record = add_ride(user, methodologies[CYCLING], "10", datetime(2025, 6, 1, tzinfo=UTC))
    report = quantify_pending(points_per_kg=1000)
    db.session.refresh(record)
    assert report.rejected == 1 and record.status == RecordStatus.REJECTED
    with force_locale("en"):
        assert "No filed methodology version" in record_reason(record)


def test_flagged_and_suspended_wait(db: Any, methodologies: Any) -> None:
    user = factories.make_user()
    official = factories.make_user_with_role(factories.Role.OFFICIAL)
    flagged = add_ride(user, methodologies[CYCLING], "10", DAY, status=RecordStatus.FLAGGED)
    walk = methodologies["JLCH-TR-001"]
    methodology_services.review(
        actor=official, methodology_id=walk.id, action="suspend", comment="Audit"
    )
    waiting = factories.make_record(
        user, walk, DAY, 5_000_000, unit="steps", channel=Channel.SELF_REPORT
    )
    assert quantify_pending(points_per_kg=1000).quantified == 0
    db.session.refresh(flagged)
    db.session.refresh(waiting)
    assert flagged.status == RecordStatus.FLAGGED and waiting.status == RecordStatus.PENDING


def test_job_table_runs_quantify(app: Any, db: Any, methodologies: Any) -> None:
    add_ride(factories.make_user(), methodologies[CYCLING], "3", DAY)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "quantify"])
    assert result.exit_code == 0 and "quantified=1" in result.output
