"""reductions and ledger entries without foreign keys (their targets are append-only)

Each foreign key is checked by a trigger per inserted row, about 3.5 µs each on PostgreSQL:
the seven on these two tables were a third of the database time of the quantify job. Every
table they pointed at is append-only (records, methodology versions, factor snapshots, ledger
transactions and accounts are never deleted), the job writes the referencing rows in the same
transaction as it reads or writes their targets, and ``flask ledger verify`` reports any entry
whose transaction or account is missing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, column, referred table)
FOREIGN_KEYS = (
    ("reductions", "record_id", "behavior_records"),
    ("reductions", "version_id", "methodology_versions"),
    ("reductions", "snapshot_id", "factor_snapshots"),
    ("reductions", "ledger_transaction_id", "ledger_transactions"),
    ("reductions", "reversed_by_record_id", "behavior_records"),
    ("ledger_entries", "transaction_id", "ledger_transactions"),
    ("ledger_entries", "account_id", "ledger_accounts"),
)


def _by_table():
    tables = {}
    for table, column, referred in FOREIGN_KEYS:
        tables.setdefault(table, []).append((column, referred))
    return tables


def upgrade():
    for table, keys in _by_table().items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, referred in keys:
                batch_op.drop_constraint(f"fk_{table}_{column}_{referred}", type_="foreignkey")


def downgrade():
    for table, keys in _by_table().items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, referred in keys:
                batch_op.create_foreign_key(
                    f"fk_{table}_{column}_{referred}", referred, [column], ["id"]
                )
