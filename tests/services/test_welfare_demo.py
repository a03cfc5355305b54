"""The public-welfare demo: two open projects, an update, donations with certificates (one for
the demo citizen), and nothing more on a second run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.certificates.models import Certificate
from portal.demo import DEMO_LOGINS, seed_demo
from portal.welfare.models import Donation, Project, ProjectUpdate


def _counts(db: Any) -> tuple[int, ...]:
    models = (Project, ProjectUpdate, Donation, Certificate)
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def test_the_demo_seeds_projects_donations_and_a_certificate(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    projects = db.session.scalars(select(Project).order_by(Project.id)).all()
    assert [p.title_zh for p in projects] == ["长白山植树", "乡村小学太阳能板"]
    assert all(p.status == "open" and p.title_en and p.summary_en for p in projects)
    counts = _counts(db)
    assert counts[1] == 1 and counts[2] >= 3
    citizen = db.session.scalars(select(User).where(User.phone == DEMO_LOGINS[0].login)).one()
    mine = db.session.scalars(select(Donation).where(Donation.user_id == citizen.id)).all()
    assert mine and all(
        db.session.scalar(select(Certificate).where(Certificate.code == d.certificate_code))
        for d in mine
    )
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    assert _counts(db) == counts
