"""leaderboards: snapshots, the pointer row pages read and the ranked rows of each board

``leaderboard_rows`` holds every board (person, team, city, district) and period (week, month,
all) of a snapshot; the ``leaderboards`` job builds a new snapshot and switches
``leaderboard_pointer`` to it in one transaction, then deletes the old ones.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "leaderboard_snapshots",
        sa.Column("id", KEY, nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaderboard_snapshots")),
    )
    op.create_table(
        "leaderboard_pointer",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("snapshot_id", KEY, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_leaderboard_pointer_single_row")),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["leaderboard_snapshots.id"],
            name=op.f("fk_leaderboard_pointer_snapshot_id_leaderboard_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaderboard_pointer")),
    )
    op.create_table(
        "leaderboard_rows",
        sa.Column("snapshot_id", KEY, autoincrement=False, nullable=False),
        sa.Column("board", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("rank", sa.BigInteger(), nullable=False),
        sa.Column("user_id", KEY, nullable=True),
        sa.Column("team_id", KEY, nullable=True),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("district", sa.String(length=40), nullable=True),
        sa.Column("score", sa.BigInteger(), nullable=False),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("members", sa.BigInteger(), nullable=False),
        sa.Column("participants", sa.BigInteger(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["leaderboard_snapshots.id"],
            name=op.f("fk_leaderboard_rows_snapshot_id_leaderboard_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "board", "period", "position", name=op.f("pk_leaderboard_rows")
        ),
    )
    op.create_index(
        "ix_leaderboard_rows_user",
        "leaderboard_rows",
        ["snapshot_id", "board", "period", "user_id"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_leaderboard_rows_user", table_name="leaderboard_rows")
    op.drop_table("leaderboard_rows")
    op.drop_table("leaderboard_pointer")
    op.drop_table("leaderboard_snapshots")
