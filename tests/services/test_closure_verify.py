"""``flask registry verify``, invariant 8's closure: events made 碳中和 and cases fulfilled by
retiring pass; an event set neutral or a case set fulfilled without the tonnes retired, or a
retirement naming an event or a case that does not exist, fails naming the row."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from portal.accounts.models import Organisation
from portal.db import session
from portal.market.cli import registry_cli
from portal.market.events import services as event_services
from portal.market.invariants import Fault
from portal.market.retirements import retire
from portal.market.verify import verify
from tests import factories
from tests.factories.cases import make_case, make_court_official
from tests.factories.registry import make_clean_batch
from tests.factories.retirements import make_holder, retire_args

pytestmark = pytest.mark.usefixtures("methodologies")


@pytest.fixture
def closed(db: Any) -> dict[str, int]:
    """A 碳中和 event and a fulfilled case, both through the retire command, and an event
    and a case still open."""
    user, org = factories.make_organiser()
    event = factories.make_event(user, org, attendees=500)
    needed = event_services.calculate_footprint(
        actor=user, event_id=event.id, inputs={"meals": "1000"}
    ).tonnes
    batch = make_clean_batch(issued_tonnes=needed + 5, buffer_tonnes=1)
    make_holder(needed, org=org, batch=batch)
    done = retire(
        user, org.id, **retire_args(purpose="event", reference_id=event.id, tonnes=needed)
    )
    open_event = factories.make_event(user, org)
    official = make_court_official()
    case = make_case(official, method="appraisal_tonnes", appraisal_tonnes=2)
    make_holder(2, org=session().get(Organisation, case.org_id), batch=batch)
    retire(
        official, case.org_id, **retire_args(purpose="compensation", reference_id=case.id, tonnes=2)
    )
    open_case = make_case(official)
    return {
        "event": event.id,
        "open_event": open_event.id,
        "case": case.id,
        "open_case": open_case.id,
        "retirement": done.id,
    }


def _closure_faults() -> list[Fault]:
    return [f for f in verify().faults if f.invariant == 8]


def test_closed_by_retiring_passes(closed: dict[str, int]) -> None:
    report = verify()
    assert report.ok, [str(f) for f in report.faults]


def test_an_event_set_neutral_without_retirements_fails(app: Flask, closed: dict[str, int]) -> None:
    event = closed["open_event"]
    session().execute(text(f"UPDATE events SET neutral_at = CURRENT_TIMESTAMP WHERE id = {event}"))
    assert [(f.table, f.row_id) for f in _closure_faults()] == [("events", event)]
    assert "without a footprint" in _closure_faults()[0].what
    output = app.test_cli_runner().invoke(registry_cli, ["verify"])
    assert output.exit_code == 1 and f"FAULT: events #{event} (invariant 8)" in output.output


def test_a_footprint_raised_after_neutrality_fails(closed: dict[str, int]) -> None:
    event = closed["event"]
    session().execute(
        text(f"UPDATE event_footprints SET tonnes = tonnes + 5 WHERE event_id = {event}")
    )
    faults = _closure_faults()
    assert [(f.table, f.row_id) for f in faults] == [("events", event)]
    assert "tonnes retired" in faults[0].what


def test_a_case_set_fulfilled_without_retirements_fails(closed: dict[str, int]) -> None:
    case = closed["open_case"]
    session().execute(text(f"UPDATE registry_cases SET state = 'fulfilled' WHERE id = {case}"))
    faults = _closure_faults()
    assert [(f.table, f.row_id) for f in faults] == [("registry_cases", case)]
    assert "marked fulfilled with 0 of its" in faults[0].what


def test_a_retirement_naming_a_missing_event_or_case_fails(closed: dict[str, int]) -> None:
    retirement = closed["retirement"]
    session().execute(
        text(f"UPDATE registry_retirements SET event_id = 987654 WHERE id = {retirement}")
    )
    faults = _closure_faults()
    assert ("registry_retirements", retirement) in [(f.table, f.row_id) for f in faults]
    assert any("event #987654, which does not exist" in f.what for f in faults)
    assert ("events", closed["event"]) in [(f.table, f.row_id) for f in faults]  # now uncovered
