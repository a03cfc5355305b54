"""the quantify job's queue and the review queue as partial indexes on behaviour records

``(status, id)`` put every record in the index, and the quantify job's claim, which moves a
record out of ``pending``, inserted it again under its new status: one more index insertion per
record, a few µs each on PostgreSQL and growing with the table. The two queues that look
records up by status are small: pending records (the job's claim, person by person: user id,
then record id) and flagged ones (the review queue, oldest first), so each gets a partial
index holding only its own records.

Ledger accounts and cap usage are rows updated in place again and again (a balance, a running
total): pages written from now on keep room (fillfactor 70) for PostgreSQL to put a row's new
version beside the old one without touching the indexes (a HOT update). Pages already full
stay as they are until the table is rewritten.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
FLAGGED = sa.text("status = 'flagged'")
UPDATED_IN_PLACE = ("ledger_accounts", "cap_usage")


def upgrade():
    op.create_index(
        "ix_behavior_records_pending",
        "behavior_records",
        ["user_id", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_behavior_records_flagged",
        "behavior_records",
        ["created_at", "id"],
        postgresql_where=FLAGGED,
        sqlite_where=FLAGGED,
    )
    op.drop_index("ix_behavior_records_status_id", table_name="behavior_records")
    if op.get_bind().dialect.name == "postgresql":
        for table in UPDATED_IN_PLACE:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in UPDATED_IN_PLACE:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    op.create_index("ix_behavior_records_status_id", "behavior_records", ["status", "id"])
    op.drop_index("ix_behavior_records_flagged", table_name="behavior_records")
    op.drop_index("ix_behavior_records_pending", table_name="behavior_records")
