"""The demo teams: the captain's school with two classes and a volunteer group, members among
the demo citizens, totals from their weeks of records, a rejoined volunteer's two intervals;
the group's past clean-up with three check-ins and a running activity; a second run adds
nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.clock import utcnow
from portal.demo import seed_demo
from portal.demo.teams import CLASSES, SCHOOL, VOLUNTEERS
from portal.demo.volunteering import CLEAN_UP, TREES
from portal.gamification.models import BadgeAward
from portal.gamification.volunteering.models import VolunteerCheckin
from portal.gamification.volunteering.queries import get_volunteer_minutes, list_team_activities
from portal.teams import queries
from portal.teams.models import Team, TeamMembership
from portal.teams.pk import queries as pk_queries
from portal.teams.pk import rules
from portal.teams.pk.models import TeamChallenge


def _rows(db: Any) -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Team)),
        db.session.scalar(select(func.count()).select_from(TeamMembership)),
    )


def test_the_demo_teams(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    school = db.session.scalar(select(Team).where(Team.name == SCHOOL))
    assert school is not None and school.bracket == "junior"
    captain = db.session.get(User, school.captain_id)
    assert captain is not None and captain.phone == "13900000002"
    classes = queries.list_classes(school.id)
    assert [c.name for c in sorted(classes, key=lambda c: c.id)] == list(CLASSES)
    volunteers = db.session.scalar(select(Team).where(Team.name == VOLUNTEERS))
    assert volunteers is not None
    assert {t.captain_id for t in [school, *classes, volunteers]} == {school.captain_id}
    figures = queries.get_figures(school, None)
    assert figures.members == 8 and figures.grams > 0 and figures.participants > 0
    intervals = db.session.scalars(
        select(TeamMembership).where(TeamMembership.team_id == volunteers.id)
    ).all()
    assert len(intervals) == 6  # captain, four volunteers, one of them twice
    counts = _rows(db)
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    assert _rows(db) == counts


def test_the_demo_volunteer_activities(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    volunteers = db.session.scalar(select(Team).where(Team.name == VOLUNTEERS))
    past, running = sorted(list_team_activities(volunteers.id), key=lambda a: a.starts_at)
    assert past.title == CLEAN_UP and running.title == TREES
    now = utcnow()
    assert past.ends_at < now and running.starts_at <= now < running.ends_at
    checkins = db.session.scalars(
        select(VolunteerCheckin).where(VolunteerCheckin.activity_id == past.id)
    ).all()
    assert len(checkins) == 3
    assert all(past.starts_at <= c.checked_in_at < past.ends_at for c in checkins)
    assert {
        db.session.scalar(
            select(BadgeAward.tier).where(
                BadgeAward.user_id == c.user_id, BadgeAward.badge_key == "volunteer"
            )
        )
        for c in checkins
    } == {"bronze"}
    assert get_volunteer_minutes(checkins[0].user_id) == 180
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    assert db.session.scalar(select(func.count()).select_from(VolunteerCheckin)) == 3
    assert len(list_team_activities(volunteers.id)) == 2


def test_the_demo_challenges(db: Any, tmp_path: Path) -> None:
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)
    seed_demo(points_per_kg=1000, upload_dir=tmp_path)  # a second run adds no duel
    finished, running = db.session.scalars(select(TeamChallenge).order_by(TeamChallenge.id)).all()
    assert finished.status == rules.FINAL and pk_queries.phase_of(running) == rules.RUNNING
    winners = pk_queries.list_winners(finished.id)
    assert winners and all(w.certificate_id is not None for w in winners)
    assert len(pk_queries.get_standings(running)) == 2
