"""campaigns: themed-day and local campaigns, their multipliers and the bonuses paid

``campaigns``: the window (UTC, half-open), grace hours and ``counts_until`` (end + grace,
stored so the ``campaign_bonuses`` job compares plain timestamps on both databases), the
per-person cap. ``campaign_multipliers``: one whole percentage (101–500) per scenario.
``campaign_bonuses``: one row per counted record, unique per (campaign, reduction), so a replay
pays once; ``clawed_back_at`` marks a bonus given back when its reduction was reversed. The
budget is the balance of the campaign's ledger account, not a column here.

``ix_reductions_occurred_at``: the job reads a campaign's records by when they were done.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", KEY, nullable=False),
        sa.Column("theme", sa.String(length=32), nullable=False),
        sa.Column("title_zh", sa.String(length=80), nullable=False),
        sa.Column("title_en", sa.String(length=120), nullable=False),
        sa.Column("description_zh", sa.String(length=2000), nullable=False),
        sa.Column("description_en", sa.String(length=4000), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("grace_hours", sa.Integer(), nullable=False),
        sa.Column("counts_until", WHEN, nullable=False),
        sa.Column("cap_points", sa.BigInteger(), nullable=False),
        sa.Column("created_by_id", KEY, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_campaigns_window_in_order")),
        sa.CheckConstraint("cap_points > 0", name=op.f("ck_campaigns_cap_positive")),
        sa.CheckConstraint("grace_hours >= 0", name=op.f("ck_campaigns_grace_not_negative")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_campaigns_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_starts_at"), "campaigns", ["starts_at"])
    op.create_index(op.f("ix_campaigns_counts_until"), "campaigns", ["counts_until"])
    op.create_table(
        "campaign_multipliers",
        sa.Column("campaign_id", KEY, nullable=False),
        sa.Column("scenario_code", sa.String(length=64), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "percent > 100 AND percent <= 500", name=op.f("ck_campaign_multipliers_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_multipliers_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "scenario_code", name=op.f("pk_campaign_multipliers")
        ),
    )
    op.create_table(
        "campaign_bonuses",
        sa.Column("id", KEY, nullable=False),
        sa.Column("campaign_id", KEY, nullable=False),
        sa.Column("reduction_id", KEY, nullable=False),
        sa.Column("user_id", KEY, nullable=False),
        sa.Column("base_points", sa.BigInteger(), nullable=False),
        sa.Column("bonus_points", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("ledger_transaction_id", KEY, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("clawed_back_at", WHEN, nullable=True),
        sa.CheckConstraint(
            "bonus_points >= 0", name=op.f("ck_campaign_bonuses_bonus_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_bonuses_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_bonuses")),
        sa.UniqueConstraint(
            "campaign_id", "reduction_id", name=op.f("uq_campaign_bonuses_campaign_id_reduction_id")
        ),
    )
    op.create_index(
        "ix_campaign_bonuses_campaign_user", "campaign_bonuses", ["campaign_id", "user_id"]
    )
    op.create_index("ix_campaign_bonuses_user", "campaign_bonuses", ["user_id", "campaign_id"])
    op.create_index("ix_reductions_occurred_at", "reductions", ["occurred_at"])


def downgrade():
    op.drop_index("ix_reductions_occurred_at", table_name="reductions")
    op.drop_index("ix_campaign_bonuses_user", table_name="campaign_bonuses")
    op.drop_index("ix_campaign_bonuses_campaign_user", table_name="campaign_bonuses")
    op.drop_table("campaign_bonuses")
    op.drop_table("campaign_multipliers")
    op.drop_index(op.f("ix_campaigns_counts_until"), table_name="campaigns")
    op.drop_index(op.f("ix_campaigns_starts_at"), table_name="campaigns")
    op.drop_table("campaigns")
