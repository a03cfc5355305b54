"""volunteering: a team's volunteer activities and members' check-ins

``volunteer_activities``: a captain's activity of a team, its window, minutes credited and the
secret its rotating check-in code is derived from. ``volunteer_checkins``: unique per
(activity, user), so a member checks in once however many clients race.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 13:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "volunteer_activities",
        sa.Column("id", KEY, nullable=False),
        sa.Column("team_id", KEY, nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("place", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credited_minutes", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", KEY, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_volunteer_activities_window_in_order")
        ),
        sa.CheckConstraint(
            "credited_minutes > 0", name=op.f("ck_volunteer_activities_minutes_positive")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_volunteer_activities_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_volunteer_activities_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_activities")),
    )
    op.create_index(
        "ix_volunteer_activities_team",
        "volunteer_activities",
        ["team_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "volunteer_checkins",
        sa.Column("id", KEY, nullable=False),
        sa.Column("activity_id", KEY, nullable=False),
        sa.Column("user_id", KEY, nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credited_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["volunteer_activities.id"],
            name=op.f("fk_volunteer_checkins_activity_id_volunteer_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_volunteer_checkins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_checkins")),
        sa.UniqueConstraint(
            "activity_id", "user_id", name=op.f("uq_volunteer_checkins_activity_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_volunteer_checkins_user_id"), "volunteer_checkins", ["user_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_volunteer_checkins_user_id"), table_name="volunteer_checkins")
    op.drop_table("volunteer_checkins")
    op.drop_index("ix_volunteer_activities_team", table_name="volunteer_activities")
    op.drop_table("volunteer_activities")
