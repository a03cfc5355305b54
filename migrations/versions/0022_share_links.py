"""share links: a holder's public share of a badge award or a certificate

``share_links``: found by a random 22-character code; live while ``withdrawn_at`` is NULL, at
most one live share per badge award and per certificate (partial unique indexes).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 12:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = "withdrawn_at IS NULL"


def upgrade():
    op.create_table(
        "share_links",
        sa.Column("id", KEY, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("user_id", KEY, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("badge_award_id", KEY, nullable=True),
        sa.Column("certificate_id", KEY, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_share_links_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["badge_award_id"],
            ["badge_awards.id"],
            name=op.f("fk_share_links_badge_award_id_badge_awards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_share_links_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("code", name=op.f("uq_share_links_code")),
    )
    op.create_index(op.f("ix_share_links_user_id"), "share_links", ["user_id"], unique=False)
    for name, column in (
        ("ux_share_links_live_badge", "badge_award_id"),
        ("ux_share_links_live_certificate", "certificate_id"),
    ):
        op.create_index(
            name,
            "share_links",
            [column],
            unique=True,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )


def downgrade():
    op.drop_index("ux_share_links_live_certificate", table_name="share_links")
    op.drop_index("ux_share_links_live_badge", table_name="share_links")
    op.drop_index(op.f("ix_share_links_user_id"), table_name="share_links")
    op.drop_table("share_links")
