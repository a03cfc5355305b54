"""The export's sections on engagement: badges held, science quizzes taken, volunteer
activities checked in to, team challenges finished without winning, month-end places on the
person board. Each is one statement over the citizen's rows, in the order they
were written; ``export.SECTIONS`` reads them in batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sqlalchemy import Select, select

from portal.gamification.leaderboards.models import MonthPlace
from portal.gamification.models import BadgeAward, QuizAttempt
from portal.gamification.volunteering.models import VolunteerActivity, VolunteerCheckin
from portal.teams.models import Team
from portal.teams.pk.models import ChallengeResult


def badges(user_id: int) -> Select[*tuple[Any, ...]]:
    b = BadgeAward
    return (
        select(b.badge_key, b.tier, b.awarded_at, b.seen_at)
        .where(b.user_id == user_id)
        .order_by(b.id)
    )


def quiz_attempts(user_id: int) -> Select[*tuple[Any, ...]]:
    """Each science quiz started: when, the answers sent (question → option), the score."""
    q = QuizAttempt
    return (
        select(q.quiz_key, q.started_at, q.submitted_at, q.answers, q.correct, q.passed)
        .where(q.user_id == user_id)
        .order_by(q.id)
    )


def volunteer_checkins(user_id: int) -> Select[*tuple[Any, ...]]:
    """Each volunteer activity checked in to: its title, place and window, when, the minutes."""
    c, a = VolunteerCheckin, VolunteerActivity
    return (
        select(a.title, a.place, a.starts_at, a.ends_at, c.checked_in_at, c.credited_minutes)
        .join(a, a.id == c.activity_id)
        .where(c.user_id == user_id)
        .order_by(c.id)
    )


def team_results(user_id: int) -> Select[*tuple[Any, ...]]:
    """Each challenge the citizen's team finished without winning: the team and its place."""
    r = ChallengeResult
    return (
        select(r.challenge_id, Team.name.label("team"), r.rank)
        .join(Team, Team.id == r.team_id)
        .where(r.user_id == user_id)
        .order_by(r.id)
    )


def month_places(user_id: int) -> Select[*tuple[Any, ...]]:
    """The citizen's place on each closed month's person board."""
    m = MonthPlace
    return select(m.month, m.place).where(m.user_id == user_id).order_by(m.month)


# (section name, its statement), in document order.
ENGAGEMENT: Final[tuple[tuple[str, Callable[[int], Select[*tuple[Any, ...]]]], ...]] = (
    ("badges", badges),
    ("quiz_attempts", quiz_attempts),
    ("volunteer_checkins", volunteer_checkins),
    ("team_results", team_results),
    ("month_places", month_places),
)
