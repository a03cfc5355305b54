"""quiz attempts: a person's one counted attempt at each science quiz

``quiz_attempts``: unique per (user, quiz), so starting twice, or from two tabs at once, gives
the same attempt; the submission that arrives in time writes the answers, the score and whether
it passed, once. A partial index on the passes, which the badge job counts per person.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 12:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "quiz_attempts",
        sa.Column("id", KEY, nullable=False),
        sa.Column("user_id", KEY, nullable=False),
        sa.Column("quiz_key", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("correct", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), server_default="0", nullable=False),
        sa.CheckConstraint("correct >= 0", name=op.f("ck_quiz_attempts_correct_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_quiz_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
        sa.UniqueConstraint("user_id", "quiz_key", name=op.f("uq_quiz_attempts_user_id_quiz_key")),
    )
    op.create_index(
        "ix_quiz_attempts_passed",
        "quiz_attempts",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("passed"),
        sqlite_where=sa.text("passed"),
    )


def downgrade():
    op.drop_index("ix_quiz_attempts_passed", table_name="quiz_attempts")
    op.drop_table("quiz_attempts")
