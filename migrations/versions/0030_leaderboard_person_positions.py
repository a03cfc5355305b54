"""leaderboard rows without a foreign key to their snapshot or an index on the person; each
person's positions on a snapshot's person boards in a table of their own

Writing one person board of 400,000 places took 5.7 s on PostgreSQL, three times a build: the
foreign key's trigger per row took 1.2 s of it and the index on (snapshot, board, period,
person) 1.7 s, since rows go in by place and so reach that index in random order. The
``leaderboards`` job is the only writer: it writes a snapshot's rows in the transaction that
adds the snapshot and deletes the older snapshots' rows before the older snapshots, in that
same transaction. ``leaderboard_person_positions`` (one row per person, written in order of
the person) is how a page finds "me".

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SNAPSHOT_KEY = "fk_leaderboard_rows_snapshot_id_leaderboard_snapshots"
PERSON_INDEX = "ix_leaderboard_rows_user"


def upgrade():
    with op.batch_alter_table("leaderboard_rows", schema=None) as batch_op:
        batch_op.drop_index(PERSON_INDEX)
        batch_op.drop_constraint(SNAPSHOT_KEY, type_="foreignkey")
    op.create_table(
        "leaderboard_person_positions",
        sa.Column("snapshot_id", KEY, autoincrement=False, nullable=False),
        sa.Column("user_id", KEY, autoincrement=False, nullable=False),
        sa.Column("week_position", sa.BigInteger(), nullable=True),
        sa.Column("month_position", sa.BigInteger(), nullable=True),
        sa.Column("all_position", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "user_id", name=op.f("pk_leaderboard_person_positions")
        ),
    )
    # Pages of a snapshot built before this revision find no positions until the next build
    # (every 15 minutes): copy them so "me" shows across the upgrade.
    op.execute(
        "INSERT INTO leaderboard_person_positions"
        " (snapshot_id, user_id, week_position, month_position, all_position)"
        " SELECT snapshot_id, user_id,"
        " MAX(CASE WHEN period = 'week' THEN position END),"
        " MAX(CASE WHEN period = 'month' THEN position END),"
        " MAX(CASE WHEN period = 'all' THEN position END)"
        " FROM leaderboard_rows WHERE board = 'person'"
        " GROUP BY snapshot_id, user_id"
    )


def downgrade():
    op.drop_table("leaderboard_person_positions")
    with op.batch_alter_table("leaderboard_rows", schema=None) as batch_op:
        batch_op.create_foreign_key(
            SNAPSHOT_KEY, "leaderboard_snapshots", ["snapshot_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(PERSON_INDEX, ["snapshot_id", "board", "period", "user_id"])
