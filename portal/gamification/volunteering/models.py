"""Volunteer tables: a team's activities and their check-ins.

The title, place and description are the captain's own words, stored and shown as written (like
a team's name), not translated. ``secret`` derives the rotating check-in code
(``rules.checkin_code``); it never leaves the server except as the code itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base, BigIntPK


class VolunteerActivity(Base):
    """An activity of ``team_id`` held in ``[starts_at, ends_at)`` (UTC; entered and shown in
    Asia/Shanghai), crediting ``credited_minutes`` of volunteer time to each member who checks
    in during it."""

    __tablename__ = "volunteer_activities"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window_in_order"),
        CheckConstraint("credited_minutes > 0", name="minutes_positive"),
        Index("ix_volunteer_activities_team", "team_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    title: Mapped[str] = mapped_column(String(60))
    place: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    credited_minutes: Mapped[int] = mapped_column(Integer)
    secret: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VolunteerCheckin(Base):
    """A member's one check-in to an activity: unique per (activity, user), so two clients
    checking in at once write one row. ``credited_minutes`` is the activity's at check-in."""

    __tablename__ = "volunteer_checkins"
    __table_args__ = (UniqueConstraint("activity_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("volunteer_activities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    credited_minutes: Mapped[int] = mapped_column(Integer)
