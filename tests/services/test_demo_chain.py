"""The demo shows the registry's whole chain (``portal.demo``): issued batches with serial
blocks, a paid order, an enterprise's annual offset, the forum made 碳中和 with its
certificate (the marathon not), case 902 fulfilled and 901 open, and the demo citizen's
traceability filled; a second seed changes none of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.certificates.models import Certificate, CertificateKind
from portal.demo import DEMO_LOGINS, seed_demo
from portal.demo.events import FORUM, MARATHON
from portal.market.cases.models import Case
from portal.market.events.models import Event
from portal.market.models import (
    Batch,
    Contribution,
    Listing,
    Order,
    Retirement,
    SerialBlock,
)
from portal.market.traceability import list_batch_traces

COUNTED = (Batch, Contribution, SerialBlock, Listing, Order, Retirement, Certificate)


def _counts(db: Any) -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED)


def _event(db: Any, title_zh: str) -> Event:
    return db.session.scalars(select(Event).where(Event.title_zh == title_zh)).one()


def test_the_demo_shows_the_whole_chain_once(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    batches = db.session.scalars(select(Batch).order_by(Batch.id)).all()
    assert [b.status for b in batches] == ["issued", "issued", "proposed"]
    issued = sum(b.issued_tonnes for b in batches[:2])
    assert issued >= 70
    blocks = select(func.count()).where(SerialBlock.batch_id == batches[0].id)
    assert db.session.scalar(blocks) > 0

    orders = db.session.scalars(select(Order)).all()
    assert orders and {o.status for o in orders} == {"paid"}
    by_purpose = {
        r.purpose: r for r in db.session.scalars(select(Retirement).order_by(Retirement.id))
    }
    assert set(by_purpose) == {"operations", "event", "compensation"}
    assert by_purpose["operations"].purpose_year is not None

    forum, marathon = _event(db, FORUM.title_zh), _event(db, MARATHON.title_zh)
    assert forum.neutral_at is not None and marathon.neutral_at is None
    assert by_purpose["event"].event_id == forum.id
    neutrality = select(func.count()).where(Certificate.kind == CertificateKind.EVENT_NEUTRALITY)
    assert db.session.scalar(neutrality) == 1

    cases = {c.case_number: c for c in db.session.scalars(select(Case))}
    assert cases["（2026）吉01民初902号"].state == "fulfilled"
    assert cases["（2026）吉01刑初901号"].state == "open"
    assert by_purpose["compensation"].tonnes == 40

    citizen = db.session.scalar(select(User).where(User.phone == DEMO_LOGINS[0].login))
    _page, traces = list_batch_traces(citizen.id)
    assert len(traces) == 3 and all(t.grams > 0 for t in traces)
    assert any(t.retirements for t in traces)

    counts = _counts(db)
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    assert _counts(db) == counts
