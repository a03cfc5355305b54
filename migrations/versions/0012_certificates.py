"""certificates: printable certificates and Open Badges 3.0 credentials, with revocation

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "certificates",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", BIG_ID, nullable=False),
        sa.Column("subject_alias", sa.String(length=40), nullable=False),
        sa.Column("achievement_key", sa.String(length=64), nullable=False),
        sa.Column("title_zh", sa.String(length=120), nullable=False),
        sa.Column("title_en", sa.String(length=160), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("revoked_by_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_certificates_subject_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_certificates_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_certificates_idempotency_key")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificates_subject_id"), ["subject_id"], unique=False
        )


def downgrade():
    op.drop_table("certificates")
