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
    op.add_column("users", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch copy of the table: the copy
    # would lose the triggers on users that migration 0011 keeps the headline counters with.
    op.execute("ALTER TABLE users DROP COLUMN deleted_at")
