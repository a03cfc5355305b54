"""factor snapshots stored once; reductions name the ledger transaction that credited them;
no foreign keys on the copied user and methodology keys of reductions and cap usage

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:40:00.000000

"""

import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _canonical(formula, factors):
    # The same text portal.activities.quantify hashes.
    return json.dumps(
        {"formula": formula, "factors": factors},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def upgrade():
    op.create_table(
        "factor_snapshots",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_snapshots")),
        sa.UniqueConstraint("sha256", name=op.f("uq_factor_snapshots_sha256")),
    )
    with op.batch_alter_table("reductions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot_id", BIGINT, nullable=True))
        batch_op.add_column(sa.Column("ledger_transaction_id", BIGINT, nullable=True))

    # Move each distinct snapshot into factor_snapshots, and link each reduction to the
    # per-record posting that credited it before batch postings existed.
    bind = op.get_bind()
    snapshots = sa.table(
        "factor_snapshots",
        sa.column("id", BIGINT),
        sa.column("sha256", sa.String),
        sa.column("formula", sa.Text),
        sa.column("factors", sa.JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    reductions = sa.table(
        "reductions",
        sa.column("id", BIGINT),
        sa.column("record_id", BIGINT),
        sa.column("formula", sa.Text),
        sa.column("factor_snapshot", sa.JSON),
        sa.column("snapshot_id", BIGINT),
        sa.column("ledger_transaction_id", BIGINT),
    )
    ids = {}
    members = {}
    rows = bind.execute(
        sa.select(reductions.c.id, reductions.c.formula, reductions.c.factor_snapshot)
    )
    for reduction_id, formula, factors in rows.all():
        digest = hashlib.sha256(_canonical(formula, factors).encode("utf-8")).hexdigest()
        if digest not in ids:
            ids[digest] = bind.execute(
                sa.insert(snapshots)
                .values(
                    sha256=digest,
                    formula=formula,
                    factors=factors,
                    created_at=sa.func.current_timestamp(),
                )
                .returning(snapshots.c.id)
            ).scalar_one()
        members.setdefault(digest, []).append(reduction_id)
    for digest, reduction_ids in members.items():  # one UPDATE per snapshot, not per row
        for start in range(0, len(reduction_ids), 5000):
            bind.execute(
                sa.update(reductions)
                .where(reductions.c.id.in_(reduction_ids[start : start + 5000]))
                .values(snapshot_id=ids[digest])
            )
    transactions = sa.table(
        "ledger_transactions", sa.column("id", BIGINT), sa.column("idempotency_key", sa.String)
    )
    bind.execute(
        sa.update(reductions).values(
            ledger_transaction_id=sa.select(transactions.c.id)
            .where(
                transactions.c.idempotency_key
                == sa.literal("reduction:record:") + sa.cast(reductions.c.record_id, sa.String)
            )
            .scalar_subquery()
        )
    )

    with op.batch_alter_table("reductions", schema=None) as batch_op:
        batch_op.alter_column("snapshot_id", existing_type=BIGINT, nullable=False)
        batch_op.create_index(
            batch_op.f("ix_reductions_ledger_transaction_id"),
            ["ledger_transaction_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reductions_snapshot_id_factor_snapshots"),
            "factor_snapshots",
            ["snapshot_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reductions_ledger_transaction_id_ledger_transactions"),
            "ledger_transactions",
            ["ledger_transaction_id"],
            ["id"],
        )
        batch_op.drop_column("formula")
        batch_op.drop_column("factor_snapshot")
        # Copies of the record's keys: the record's own foreign keys check them.
        batch_op.drop_constraint("fk_reductions_user_id_users", type_="foreignkey")
        batch_op.drop_constraint("fk_reductions_methodology_id_methodologies", type_="foreignkey")
    with op.batch_alter_table("cap_usage", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cap_usage_user_id_users", type_="foreignkey")
        batch_op.drop_constraint("fk_cap_usage_methodology_id_methodologies", type_="foreignkey")


def downgrade():
    with op.batch_alter_table("cap_usage", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_cap_usage_user_id_users", "users", ["user_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_cap_usage_methodology_id_methodologies", "methodologies", ["methodology_id"], ["id"]
        )
    with op.batch_alter_table("reductions", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_reductions_user_id_users", "users", ["user_id"], ["id"])
        batch_op.create_foreign_key(
            "fk_reductions_methodology_id_methodologies", "methodologies", ["methodology_id"], ["id"]
        )
    with op.batch_alter_table("reductions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("factor_snapshot", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("formula", sa.Text(), nullable=True))
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE reductions SET formula = (SELECT formula FROM factor_snapshots s WHERE s.id = reductions.snapshot_id), "
            "factor_snapshot = (SELECT factors FROM factor_snapshots s WHERE s.id = reductions.snapshot_id)"
        )
    )
    with op.batch_alter_table("reductions", schema=None) as batch_op:
        batch_op.alter_column("formula", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("factor_snapshot", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(
            batch_op.f("fk_reductions_ledger_transaction_id_ledger_transactions"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(
            batch_op.f("fk_reductions_snapshot_id_factor_snapshots"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_reductions_ledger_transaction_id"))
        batch_op.drop_column("ledger_transaction_id")
        batch_op.drop_column("snapshot_id")
    op.drop_table("factor_snapshots")
