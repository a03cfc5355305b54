"""team results shared and certified; month-end places on the person board

``share_links.challenge_entry_id``: a member's public share of their team's result in a
finished challenge (at most one live share per team result and member).
``team_challenge_results``: the members of the teams that finished without winning, with
their team's place and their team-result certificate.
``leaderboard_month_closes`` / ``leaderboard_month_places``: each closed month's person-board
places, which the monthly report's rank change compares.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = "withdrawn_at IS NULL"
FK = "fk_share_links_challenge_entry_id_team_challenge_entries"


def upgrade():
    # A plain ADD COLUMN on SQLite, its reference inline (a batch copy of the table would lose
    # the partial indexes), and a named constraint elsewhere.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE share_links ADD COLUMN challenge_entry_id INTEGER "
            "REFERENCES team_challenge_entries (id)"
        )
    else:
        op.add_column("share_links", sa.Column("challenge_entry_id", KEY, nullable=True))
        op.create_foreign_key(
            FK, "share_links", "team_challenge_entries", ["challenge_entry_id"], ["id"]
        )
    op.create_index(
        "ux_share_links_live_team_result",
        "share_links",
        ["challenge_entry_id", "user_id"],
        unique=True,
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )
    op.create_table(
        "team_challenge_results",
        sa.Column("id", KEY, nullable=False),
        sa.Column("challenge_id", KEY, nullable=False),
        sa.Column("team_id", KEY, nullable=False),
        sa.Column("user_id", KEY, nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("certificate_id", KEY, nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_team_challenge_results_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["team_challenges.id"],
            name=op.f("fk_team_challenge_results_challenge_id_team_challenges"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_challenge_results_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_team_challenge_results_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_challenge_results")),
    )
    op.create_index(
        op.f("ix_team_challenge_results_user_id"), "team_challenge_results", ["user_id"]
    )
    op.create_index(
        "ux_team_challenge_results",
        "team_challenge_results",
        ["challenge_id", "user_id"],
        unique=True,
    )
    op.create_table(
        "leaderboard_month_closes",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_leaderboard_month_closes")),
    )
    op.create_table(
        "leaderboard_month_places",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("user_id", KEY, nullable=False),
        sa.Column("place", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["month"],
            ["leaderboard_month_closes.month"],
            name=op.f("fk_leaderboard_month_places_month_leaderboard_month_closes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_leaderboard_month_places_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("month", "user_id", name=op.f("pk_leaderboard_month_places")),
    )
    op.create_index(
        op.f("ix_leaderboard_month_places_user_id"), "leaderboard_month_places", ["user_id"]
    )


def downgrade():
    op.drop_index(
        op.f("ix_leaderboard_month_places_user_id"), table_name="leaderboard_month_places"
    )
    op.drop_table("leaderboard_month_places")
    op.drop_table("leaderboard_month_closes")
    op.drop_index("ux_team_challenge_results", table_name="team_challenge_results")
    op.drop_index(op.f("ix_team_challenge_results_user_id"), table_name="team_challenge_results")
    op.drop_table("team_challenge_results")
    op.drop_index("ux_share_links_live_team_result", table_name="share_links")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "share_links", type_="foreignkey")
    op.drop_column("share_links", "challenge_entry_id")
