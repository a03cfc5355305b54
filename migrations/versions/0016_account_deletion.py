"""account deletion: users.deleted_at, set when the holder deletes the account (PIPL)

The row stays, pseudonymous, so the ledger entries and reductions keep their owner.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
