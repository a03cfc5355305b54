"""Volunteering reads: a team's activities, check-in counts, a person's check-ins and their
volunteer minutes in all."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select

from portal.db import session
from portal.gamification.volunteering.models import VolunteerActivity, VolunteerCheckin


def get_activity(activity_id: int) -> VolunteerActivity | None:
    return session().get(VolunteerActivity, activity_id)


def get_checkin(activity_id: int, user_id: int) -> VolunteerCheckin | None:
    return session().scalar(
        select(VolunteerCheckin).where(
            VolunteerCheckin.activity_id == activity_id, VolunteerCheckin.user_id == user_id
        )
    )


def list_team_activities(team_id: int, limit: int = 20) -> list[VolunteerActivity]:
    """The team's most recent activities, latest start first."""
    return list(
        session().scalars(
            select(VolunteerActivity)
            .where(VolunteerActivity.team_id == team_id)
            .order_by(VolunteerActivity.starts_at.desc(), VolunteerActivity.id.desc())
            .limit(limit)
        )
    )


def count_checkins(activity_ids: Collection[int]) -> dict[int, int]:
    """Check-ins per activity (0 for none)."""
    counts = dict.fromkeys(activity_ids, 0)
    if activity_ids:
        for activity_id, n in session().execute(
            select(VolunteerCheckin.activity_id, func.count())
            .where(VolunteerCheckin.activity_id.in_(list(activity_ids)))
            .group_by(VolunteerCheckin.activity_id)
        ):
            counts[activity_id] = int(n)
    return counts


def checked_in_activity_ids(user_id: int, activity_ids: Collection[int]) -> set[int]:
    """Which of ``activity_ids`` the person has checked in to."""
    if not activity_ids:
        return set()
    return set(
        session().scalars(
            select(VolunteerCheckin.activity_id).where(
                VolunteerCheckin.user_id == user_id,
                VolunteerCheckin.activity_id.in_(list(activity_ids)),
            )
        )
    )


def get_volunteer_minutes(user_id: int) -> int:
    """The person's volunteer minutes credited in all, over every team."""
    total = session().scalar(
        select(func.coalesce(func.sum(VolunteerCheckin.credited_minutes), 0)).where(
            VolunteerCheckin.user_id == user_id
        )
    )
    return int(total or 0)
