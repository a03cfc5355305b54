"""Pending cycling rides for the quantify job's PostgreSQL tests (they commit, in databases of
their own)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import insert, select

from portal.activities.models import BehaviorRecord
from portal.extensions import db
from portal.methodology.models import Methodology
from portal.methodology.services import seed_filed_methodologies
from tests import factories


def add_pending_rides(app: Flask, users: int, rides: int, day: datetime) -> list[int]:
    """Seed the methodologies and ``users`` citizens with ``rides`` pending 3 km rides each,
    ten minutes apart from ``day``; commit and return the citizens' ids."""
    with app.app_context():
        seed_filed_methodologies()
        cycling = db.session.scalar(select(Methodology.id).where(Methodology.code == "JLCH-TR-003"))
        ids = [factories.make_user().id for _ in range(users)]
        db.session.execute(
            insert(BehaviorRecord),
            [
                {
                    "user_id": user_id,
                    "methodology_id": cycling,
                    "channel": "partner_api",
                    "quantity_milli": 3000,
                    "unit": "km",
                    "parameters": {},
                    "flags": [],
                    "occurred_at": day + timedelta(minutes=10 * ride),
                    "status": "pending",
                }
                for user_id in ids
                for ride in range(rides)
            ],
        )
        db.session.commit()
        return ids
