"""privacy settings and guardian consent: users.birth_year and users.is_publicly_listed,
guardian_invitations and guardian_consents

Accounts opened before this migration have no birth year (they are not treated as minors) and
are not listed publicly until their holder opts in. At most one consent per minor is in force
at a time (a partial unique index on the rows not ended).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of users: migration 0011's triggers live on it).
    op.add_column("users", sa.Column("birth_year", sa.SmallInteger(), nullable=True))
    op.add_column(
        "users",
        sa.Column("is_publicly_listed", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "guardian_invitations",
        sa.Column("id", KEY, primary_key=True),
        sa.Column("minor_id", KEY, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("contact", sa.String(254), nullable=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("accepted_at", WHEN, nullable=True),
        sa.Column("accepted_by_id", KEY, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("cancelled_at", WHEN, nullable=True),
    )
    op.create_table(
        "guardian_consents",
        sa.Column("id", KEY, primary_key=True),
        sa.Column("minor_id", KEY, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("guardian_id", KEY, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("invitation_id", KEY, sa.ForeignKey("guardian_invitations.id"), nullable=True),
        sa.Column("notice_version", sa.String(16), nullable=False),
        sa.Column("consented_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("end_code", sa.String(40), nullable=True),
    )
    op.create_index(
        "uq_guardian_consents_in_force",
        "guardian_consents",
        ["minor_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
        sqlite_where=sa.text("ended_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_guardian_consents_in_force", table_name="guardian_consents")
    op.drop_table("guardian_consents")
    op.drop_table("guardian_invitations")
    # Plain DROP COLUMN (SQLite 3.35+), as in 0016: a batch copy would lose users' triggers.
    op.execute("ALTER TABLE users DROP COLUMN is_publicly_listed")
    op.execute("ALTER TABLE users DROP COLUMN birth_year")
