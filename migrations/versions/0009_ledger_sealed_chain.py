"""the hash chain taken off the write path; account kinds for the points economy; checkpoints

Writers no longer lock the chain head: a transaction is inserted without ``seq``, ``prev_hash``
and ``hash``, and the sealing job chains what has become visible, in that order (``seq``). The
transactions chained so far were chained in id order, so their ``seq`` is their id. Pooled
accounts (issuance and the new merchant, project, reserve and expiry kinds) have their balance
kept by the sealing job; ``owner_id`` names a merchant's organisation, a project or a campaign.
``ledger_checkpoints`` lets ``flask ledger verify`` start from a verified point of the chain.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 15:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_transactions") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=True)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=True)
    op.execute("UPDATE ledger_transactions SET seq = id")
    op.create_index("uq_ledger_transactions_seq", "ledger_transactions", ["seq"], unique=True)
    op.create_index(
        "ix_ledger_transactions_unsealed",
        "ledger_transactions",
        ["id"],
        postgresql_where=sa.text("seq IS NULL"),
        sqlite_where=sa.text("seq IS NULL"),
    )
    with op.batch_alter_table("ledger_chain_head") as batch:
        batch.add_column(sa.Column("last_seq", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE ledger_chain_head SET last_seq = COALESCE(last_transaction_id, 0)")

    op.drop_index("uq_ledger_accounts_system_kind", table_name="ledger_accounts")
    with op.batch_alter_table("ledger_accounts") as batch:
        batch.add_column(sa.Column("owner_id", sa.BigInteger(), nullable=True))
    op.create_index(
        "uq_ledger_accounts_owner",
        "ledger_accounts",
        ["kind", "owner_id"],
        unique=True,
        postgresql_where=sa.text("owner_id IS NOT NULL"),
        sqlite_where=sa.text("owner_id IS NOT NULL"),
    )
    op.create_index(
        "uq_ledger_accounts_system_kind",
        "ledger_accounts",
        ["kind"],
        unique=True,
        postgresql_where=sa.text("user_id IS NULL AND owner_id IS NULL"),
        sqlite_where=sa.text("user_id IS NULL AND owner_id IS NULL"),
    )

    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("max_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_checkpoints")),
    )
    op.create_table(
        "ledger_checkpoint_balances",
        sa.Column(
            "checkpoint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "checkpoint_id", "account_id", name=op.f("pk_ledger_checkpoint_balances")
        ),
    )


def downgrade() -> None:
    op.drop_table("ledger_checkpoint_balances")
    op.drop_table("ledger_checkpoints")
    op.drop_index("uq_ledger_accounts_system_kind", table_name="ledger_accounts")
    op.drop_index("uq_ledger_accounts_owner", table_name="ledger_accounts")
    with op.batch_alter_table("ledger_accounts") as batch:
        batch.drop_column("owner_id")
    op.create_index(
        "uq_ledger_accounts_system_kind",
        "ledger_accounts",
        ["kind"],
        unique=True,
        postgresql_where=sa.text("user_id IS NULL"),
        sqlite_where=sa.text("user_id IS NULL"),
    )
    with op.batch_alter_table("ledger_chain_head") as batch:
        batch.drop_column("last_seq")
    unsealed = op.get_bind().scalar(sa.text("SELECT count(*) FROM ledger_transactions WHERE seq IS NULL"))
    if unsealed:
        raise RuntimeError(
            f"{unsealed} ledger transactions are not sealed yet: run `flask ledger seal` first"
        )
    op.drop_index("ix_ledger_transactions_unsealed", table_name="ledger_transactions")
    op.drop_index("uq_ledger_transactions_seq", table_name="ledger_transactions")
    with op.batch_alter_table("ledger_transactions") as batch:
        batch.drop_column("seq")
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
