"""Demo team challenges between the demo school's two classes, both run by the demo captain:
a finished duel (three weeks ago, per-member grams) with its final snapshot, champion badges
and certificates, and a running duel (from four days ago, participation rate) whose live
standings move with the demo records.

Both are proposed and accepted through the services with future days, then dated back, as the
teams are (``portal.demo.teams``); the finished one is then finalised by the job's own
service. The demo's weeks of records were all quantified just now, so the finished duel's
review window is stretched to reach the present (the records came in "late, within the
window") and it is finalised at that window's end. Idempotent: a class already hosting a duel
gets no new one."""

from __future__ import annotations

import math
from datetime import UTC, date, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import local_midnight, local_today, utcnow
from portal.db import session, transaction
from portal.teams.models import Team
from portal.teams.pk import finalisation, rules, services
from portal.teams.pk.models import TeamChallenge

FINISHED_DAYS_AGO = (21, 12)  # first and last day, in days before today
RUNNING_DAYS = (4, 3)  # started this many days ago, ends after this many more days


def seed_challenges(classes: list[Team]) -> list[TeamChallenge]:
    """The finished and the running duel of the two classes (the first hosts both)."""
    host, rival = classes
    existing = (
        session()
        .scalars(
            select(TeamChallenge)
            .where(TeamChallenge.host_team_id == host.id)
            .order_by(TeamChallenge.id)
        )
        .all()
    )
    if existing:
        return list(existing)
    captain = session().get(User, host.captain_id)
    assert captain is not None
    today = local_today()
    first, last = FINISHED_DAYS_AGO
    finished = _duel(captain, host, rival, rules.PER_CAPITA)
    _date(finished, today - timedelta(days=first), today - timedelta(days=last))
    started, left = RUNNING_DAYS
    running = _duel(captain, host, rival, rules.PARTICIPATION)
    _date(running, today - timedelta(days=started), today + timedelta(days=left))
    with transaction():
        since_end = utcnow() - finished.ends_at
        finished.review_hours = math.ceil(since_end / timedelta(hours=1))
        window_end = finished.ends_at + timedelta(hours=finished.review_hours)
    finalisation.finalise_due(window_end)
    with transaction():
        finished.finalised_at = utcnow()
    return [finished, running]


def _duel(captain: User, host: Team, rival: Team, metric: str) -> TeamChallenge:
    """Proposed for the coming week and accepted by the same captain (who runs both classes)."""
    first = local_today() + timedelta(days=1)
    challenge = services.propose_duel(
        actor=captain,
        team_id=host.id,
        rival_id=rival.id,
        terms=services.Terms(metric, None, first, first + timedelta(days=6)),
    )
    return services.answer_duel(actor=captain, challenge_id=challenge.id, accept=True)


def _date(challenge: TeamChallenge, first: date, last: date) -> None:
    with transaction():
        challenge.starts_at = local_midnight(first).astimezone(UTC)
        challenge.ends_at = local_midnight(last + timedelta(days=1)).astimezone(UTC)
